"""The picture world: scenes, renderer, scene checker and conversation generator.

See tools/world/README.md and ../shared/docs/world.md.
"""
