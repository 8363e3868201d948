// MARK: - 2-D convolution as a blocked matrix product
//
// out[o, y, x] = bias[o] + Σ_{c, ky, kx} w[o, c, ky, kx] · in[c, y·s + ky − top, x·s + kx − left]
//
// is the product W (out × in·k·k) · U, where column (y, x) of the unfolded input U holds the
// k·k·in values the kernel sees at that output pixel (im2col). U is never built whole: the
// packer below writes just the panels the blocked product asks for, straight from the input.

/// Zero padding around a convolution's input, in pixels per side. PyTorch's `padding=p` is
/// `.uniform(p)`; the VQGAN encoder's down-sampling pads only right and bottom by one.
public struct ConvolutionPadding: Sendable, Equatable {
    public var top: Int
    public var left: Int
    public var bottom: Int
    public var right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        self.top = top
        self.left = left
        self.bottom = bottom
        self.right = right
    }

    /// The same padding on every side.
    public static func uniform(_ p: Int) -> ConvolutionPadding { .init(top: p, left: p, bottom: p, right: p) }
}

/// The size of a convolution's output: ⌊(in + pads − kernel) / stride⌋ + 1 per axis.
public func convolutionOutputSize(
    height: Int, width: Int, kernel: Int, stride: Int, padding: ConvolutionPadding
) -> (height: Int, width: Int) {
    ((height + padding.top + padding.bottom - kernel) / stride + 1,
     (width + padding.left + padding.right - kernel) / stride + 1)
}

/// A 2-D convolution of a CHW picture, as PyTorch's `Conv2d` computes it (square kernel,
/// one stride for both axes, zero padding, no dilation or groups).
///
/// - input: (inChannels, height, width).
/// - weight: (outChannels, inChannels, kernel, kernel), the checkpoint layout; bias: (outChannels) or nil.
/// - output: (outChannels, outHeight, outWidth) from ``convolutionOutputSize(height:width:kernel:stride:padding:)``, overwritten.
///
/// Precondition: the pointers are valid for those sizes, the output size is positive and `output`
/// aliases neither `input` nor `weight`.
///
///     conv2d(input: x, inChannels: 3, height: 64, width: 64, weight: w, bias: b,
///            outChannels: 32, kernel: 3, stride: 1, padding: .uniform(1), output: y)
public func conv2d(
    input: UnsafePointer<Float>, inChannels: Int, height: Int, width: Int,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outChannels: Int,
    kernel: Int, stride: Int, padding: ConvolutionPadding,
    output: UnsafeMutablePointer<Float>
) {
    let size = convolutionOutputSize(height: height, width: width, kernel: kernel, stride: stride, padding: padding)
    precondition(size.height > 0 && size.width > 0 && stride > 0 && kernel > 0, "conv2d: empty output")
    let pixels = size.height * size.width
    for o in 0..<outChannels {
        (output + o * pixels).update(repeating: bias?[o] ?? 0, count: pixels)
    }
    let packer = UnfoldingPacker(
        input: input, height: height, width: width, kernel: kernel, stride: stride,
        top: padding.top, left: padding.left, outWidth: size.width, pixels: pixels)
    let depth = inChannels * kernel * kernel
    blockedProduct(m: outChannels, n: pixels, k: depth, a: weight, lda: depth,
                   c: output, ldc: pixels, packer: packer)
}

/// Packs panels of the unfolded input (im2col) directly from a CHW picture.
struct UnfoldingPacker: PanelPacker {
    let input: UnsafePointer<Float>
    let height: Int
    let width: Int
    let kernel: Int
    let stride: Int
    let top: Int
    let left: Int
    let outWidth: Int
    let pixels: Int

    /// Row k of U is (channel, ky, kx) = (k / k², (k % k²) / kernel, k % kernel).
    @inline(__always)
    func pack(kStart: Int, kCount: Int, nStart: Int, into destination: UnsafeMutablePointer<Float>) {
        let plane = height * width
        let area = kernel * kernel
        let valid = Swift.min(panelWidth, pixels - nStart)
        // A 1×1 kernel with stride 1 and no padding reads the input as it lies.
        if kernel == 1 && stride == 1 && top == 0 && left == 0 && outWidth == width {
            MatrixPacker(b: input, ldb: plane, n: pixels).pack(
                kStart: kStart, kCount: kCount, nStart: nStart, into: destination)
            return
        }
        let firstY = nStart / outWidth, firstX = nStart % outWidth
        // The panel's columns are one run of output row `firstY`: contiguous input when stride is 1.
        let oneRow = valid == panelWidth && firstX + panelWidth <= outWidth
        var channel = kStart / area
        var ky = (kStart % area) / kernel
        var kx = kStart % kernel
        for kk in 0..<kCount {
            let out = destination + kk * panelWidth
            let source = input + channel * plane
            if oneRow {
                let y = firstY * stride + ky - top
                let x0 = firstX * stride + kx - left
                if y < 0 || y >= height {
                    out.update(repeating: 0, count: panelWidth)
                } else if stride == 1 && x0 >= 0 && x0 + panelWidth <= width {
                    out.update(from: source + y * width + x0, count: panelWidth)
                } else {
                    for j in 0..<panelWidth {
                        let x = x0 + j * stride
                        out[j] = x >= 0 && x < width ? source[y * width + x] : 0
                    }
                }
            } else {
                for j in 0..<panelWidth {
                    guard j < valid else {
                        out[j] = 0
                        continue
                    }
                    let n = nStart + j
                    let y = (n / outWidth) * stride + ky - top
                    let x = (n % outWidth) * stride + kx - left
                    out[j] = y >= 0 && y < height && x >= 0 && x < width ? source[y * width + x] : 0
                }
            }
            kx += 1
            if kx == kernel {
                kx = 0
                ky += 1
                if ky == kernel {
                    ky = 0
                    channel += 1
                }
            }
        }
    }
}
