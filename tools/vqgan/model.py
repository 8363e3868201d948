"""A small VQGAN in Chameleon layout.

The encoder, `quant_conv`, codebook (`quantize.embedding.weight`) and `post_quant_conv` are
transformers' `ChameleonVQVAE`, so their tensor names are exactly `model.vqmodel.*` of a Chameleon
checkpoint. transformers ships no VQ decoder, so `ChameleonVQDecoder` below is written from the
published architecture (chameleon-format.md section 4.6) with Meta's tensor names:
`decoder.conv_in`, `decoder.mid.{block_1,attn_1,block_2}`, `decoder.up.{i}.block.{j}`,
`decoder.up.{i}.attn.{j}`, `decoder.up.{i}.upsample.conv`, `decoder.norm_out`, `decoder.conv_out`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from transformers import ChameleonVQVAEConfig
from transformers.models.chameleon.modeling_chameleon import ChameleonVQVAE

from tools.world.spec import CANVAS_SIZE


def default_config() -> ChameleonVQVAEConfig:
    """The project's VQGAN: 64x64 pictures, two down-samplings to a 16x16 code grid.

    base_channels 64 at every level (channel_multiplier [1, 1, 1]) so that each of GroupNorm's 32
    groups holds two channels: with one channel per group (base 32) GroupNorm is an instance norm
    that erases the absolute colour of flat regions, and learning stalls. num_res_blocks 0 (so one
    residual block per decoder level, none per encoder level) keeps a training step cheap on CPU;
    the mid blocks with attention give the encoder context. Latent 64 channels, codebook of 2048
    vectors of size 32.
    """
    return ChameleonVQVAEConfig(
        resolution=CANVAS_SIZE,
        in_channels=3,
        out_channels=3,
        base_channels=64,
        channel_multiplier=[1, 1, 1],
        num_res_blocks=0,
        attn_resolutions=None,
        attn_type="vanilla",
        latent_channels=64,
        embed_dim=32,
        num_embeddings=2048,
        double_latent=False,
        dropout=0.0,
    )


def _swish(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(x)


def _group_norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(num_groups=32, num_channels=channels, eps=1e-6, affine=True)


class ResnetBlock(nn.Module):
    """norm1 -> swish -> conv1 -> norm2 -> swish -> conv2, plus a (1x1 `nin_shortcut`) skip."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.norm1 = _group_norm(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.norm2 = _group_norm(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        if in_channels != out_channels:
            self.nin_shortcut = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(_swish(self.norm1(x)))
        h = self.conv2(_swish(self.norm2(h)))
        skip = self.nin_shortcut(x) if hasattr(self, "nin_shortcut") else x
        return skip + h


class AttnBlock(nn.Module):
    """Single-head spatial self-attention with 1x1 q, k, v and proj_out convolutions."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm = _group_norm(channels)
        self.q = nn.Conv2d(channels, channels, 1)
        self.k = nn.Conv2d(channels, channels, 1)
        self.v = nn.Conv2d(channels, channels, 1)
        self.proj_out = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = self.norm(x)
        batch, channels, height, width = x.shape
        q = self.q(n).reshape(batch, channels, height * width).transpose(1, 2)  # (B, N, C)
        k = self.k(n).reshape(batch, channels, height * width)  # (B, C, N)
        v = self.v(n).reshape(batch, channels, height * width)  # (B, C, N)
        weights = torch.softmax(torch.bmm(q, k) * channels ** -0.5, dim=2)  # (B, Nq, Nk)
        out = torch.bmm(v, weights.transpose(1, 2)).reshape(batch, channels, height, width)
        return x + self.proj_out(out)


class Upsample(nn.Module):
    """Nearest-neighbour x2, then a 3x3 convolution (`upsample.conv`)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class ChameleonVQDecoder(nn.Module):
    """Meta's `vqgan.Decoder` (taming-transformers) for a ChameleonVQVAEConfig."""

    def __init__(self, config: ChameleonVQVAEConfig):
        super().__init__()
        multipliers = list(config.channel_multiplier)
        levels = len(multipliers)
        attn_resolutions = set(config.attn_resolutions or [])
        block_in = config.base_channels * multipliers[-1]
        resolution = config.resolution // 2 ** (levels - 1)
        self.conv_in = nn.Conv2d(config.latent_channels, block_in, 3, padding=1)
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(block_in, block_in)
        self.mid.attn_1 = AttnBlock(block_in)
        self.mid.block_2 = ResnetBlock(block_in, block_in)
        ups: list[nn.Module] = []
        for level in reversed(range(levels)):
            block_out = config.base_channels * multipliers[level]
            up = nn.Module()
            up.block = nn.ModuleList()
            up.attn = nn.ModuleList()
            for _ in range(config.num_res_blocks + 1):
                up.block.append(ResnetBlock(block_in, block_out))
                block_in = block_out
                if resolution in attn_resolutions:
                    up.attn.append(AttnBlock(block_in))
            if level != 0:
                up.upsample = Upsample(block_in)
                resolution *= 2
            ups.insert(0, up)
        self.up = nn.ModuleList(ups)
        self.norm_out = _group_norm(block_in)
        self.conv_out = nn.Conv2d(block_in, getattr(config, "out_channels", config.in_channels), 3, padding=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.conv_in(z)
        h = self.mid.block_2(self.mid.attn_1(self.mid.block_1(h)))
        for level in reversed(range(len(self.up))):
            up = self.up[level]
            for index, block in enumerate(up.block):
                h = block(h)
                if len(up.attn) > 0:
                    h = up.attn[index](h)
            if level != 0:
                h = up.upsample(h)
        return self.conv_out(_swish(self.norm_out(h)))


class WorldVQGAN(nn.Module):
    """Encoder/quantizer from transformers plus our decoder; state-dict names match
    `model.vqmodel.*` once prefixed."""

    def __init__(self, config: ChameleonVQVAEConfig):
        super().__init__()
        self.config = config
        self.vq = ChameleonVQVAE(config)
        self.vq.train()
        self.decoder = ChameleonVQDecoder(config)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                module.reset_parameters()
        count = config.num_embeddings
        nn.init.uniform_(self.vq.quantize.embedding.weight, -1.0 / count, 1.0 / count)

    @property
    def codebook(self) -> torch.Tensor:
        return self.vq.quantize.embedding.weight

    def encode_latents(self, pixels: torch.Tensor) -> torch.Tensor:
        """Pre-quantisation latents z' = quant_conv(encoder(x)), shape (B, embed_dim, g, g)."""
        return self.vq.quant_conv(self.vq.encoder(pixels))

    def nearest_codes(self, latents: torch.Tensor) -> torch.Tensor:
        """argmin_n |z - e_n|^2 per position, computed in float32 like Chameleon (B, g, g)."""
        batch, dim, height, width = latents.shape
        flat = latents.permute(0, 2, 3, 1).reshape(-1, dim).float()
        book = self.codebook.float()
        distances = (flat ** 2).sum(1, keepdim=True) + (book ** 2).sum(1)[None, :] - 2 * flat @ book.T
        return distances.argmin(dim=1).reshape(batch, height, width)

    def decode_codes(self, codes: torch.Tensor) -> torch.Tensor:
        """Codes (B, g, g) -> pixels (B, 3, S, S), nominally in [-1, 1]."""
        embedded = self.vq.quantize.embedding(codes).permute(0, 3, 1, 2)
        return self.decode_quantized(embedded)

    def decode_quantized(self, quantized: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.vq.post_quant_conv(quantized))

    def chameleon_state_dict(self) -> dict[str, torch.Tensor]:
        """Weights under the names a Chameleon checkpoint uses (`model.vqmodel.*`)."""
        state = {f"model.vqmodel.{k}": v for k, v in self.vq.state_dict().items()}
        state.update({f"model.vqmodel.decoder.{k}": v for k, v in self.decoder.state_dict().items()})
        return {k: v.detach().clone().contiguous() for k, v in state.items()}


class _ContiguousGradient(torch.autograd.Function):
    """Identity (a copy, so callers may modify it in place) whose backward makes the incoming
    gradient contiguous: mkldnn convolutions hand back channels-last gradients, on which PyTorch's
    CPU GroupNorm backward is 10-20x slower than on contiguous ones."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        return x.clone()

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        return grad.contiguous()


def _fast_group_norm_forward(self: nn.GroupNorm, x: torch.Tensor) -> torch.Tensor:
    if not torch.is_grad_enabled():
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)
    if torch.is_autocast_enabled("cpu"):
        with torch.autocast("cpu", enabled=False):
            y = F.group_norm(x.to(torch.bfloat16).contiguous(), self.num_groups, self.weight, self.bias, self.eps)
    else:
        y = F.group_norm(x.contiguous(), self.num_groups, self.weight, self.bias, self.eps)
    return _ContiguousGradient.apply(y)


def use_fast_group_norm(model: nn.Module) -> None:
    """Training speed-up for CPU: GroupNorm on bf16 activations under bf16 autocast (instead of
    autocast's float32) and on contiguous gradients. The computation is GroupNorm all the same;
    parameters and tensor names are unchanged, and without gradients it is plain GroupNorm."""
    import types

    for module in model.modules():
        if isinstance(module, nn.GroupNorm):
            module.forward = types.MethodType(_fast_group_norm_forward, module)
