import Testing
@testable import TensorMath
