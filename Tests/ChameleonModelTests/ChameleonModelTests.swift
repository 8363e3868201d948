import Testing
@testable import ChameleonModel
