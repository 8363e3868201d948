// The configuration types are part of this module's public API (a model has a config).
@_exported import ModelConfiguration
