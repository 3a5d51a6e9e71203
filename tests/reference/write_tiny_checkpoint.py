#!/usr/bin/env python3
"""Writes a tiny random CLIP ViT checkpoint in OpenAI state-dict layout as safetensors (tests only).

All keys of an OpenAI ViT CLIP state dict are present (vision tower `visual.*`, text tower,
`logit_scale`), with small widths so that the full ITACLIP pipeline runs fast on a CPU. The
initialisation follows openai/CLIP `initialize_parameters` (std scales per width/depth so that
12 layers stay numerically sane); biases get small random values and LayerNorm weights are
1 plus a little noise, so that every parameter influences the output (zeros would hide bugs).

Usage: write_tiny_checkpoint.py --out X.safetensors --seed N [--dtype f16|f32]
       [--width 64 --layers 12 --embed 32 --patch 16 --grid 14 --text-width W]
"""

import argparse
import json
import math
import struct
import sys

import numpy as np

VOCAB = 49408
CONTEXT = 77


def make_state_dict(seed, width=64, layers=12, embed=32, patch=16, grid=14, text_width=None):
    """Returns an ordered {name: np.float64 array} with all OpenAI CLIP ViT keys."""
    if text_width is None:
        text_width = width
    for name, w in (('width', width), ('text width', text_width)):
        if w < 64 or w % 64:
            raise ValueError('%s must be a positive multiple of 64 (heads = width // 64), got %d'
                             % (name, w))
    rng = np.random.default_rng(seed)

    def normal(shape, std):
        return rng.standard_normal(shape) * std

    def ln(prefix, d, sd):
        sd[prefix + '.weight'] = 1.0 + normal((d,), 0.05)
        sd[prefix + '.bias'] = normal((d,), 0.02)

    def blocks(prefix, d, n, sd):
        attn_std = d ** -0.5
        proj_std = (d ** -0.5) * ((2 * n) ** -0.5)
        fc_std = (2 * d) ** -0.5
        for i in range(n):
            p = '%s.resblocks.%d.' % (prefix, i)
            sd[p + 'attn.in_proj_weight'] = normal((3 * d, d), attn_std)
            sd[p + 'attn.in_proj_bias'] = normal((3 * d,), 0.02)
            sd[p + 'attn.out_proj.weight'] = normal((d, d), proj_std)
            sd[p + 'attn.out_proj.bias'] = normal((d,), 0.02)
            ln(p + 'ln_1', d, sd)
            sd[p + 'mlp.c_fc.weight'] = normal((4 * d, d), fc_std)
            sd[p + 'mlp.c_fc.bias'] = normal((4 * d,), 0.02)
            sd[p + 'mlp.c_proj.weight'] = normal((d, 4 * d), proj_std)
            sd[p + 'mlp.c_proj.bias'] = normal((d,), 0.02)
            ln(p + 'ln_2', d, sd)

    sd = {}
    # Text tower.
    sd['positional_embedding'] = normal((CONTEXT, text_width), 0.01)
    sd['text_projection'] = normal((text_width, embed), text_width ** -0.5)
    sd['logit_scale'] = np.array(math.log(100.0))
    sd['token_embedding.weight'] = normal((VOCAB, text_width), 0.02)
    blocks('transformer', text_width, layers, sd)
    ln('ln_final', text_width, sd)
    # Vision tower.
    scale = width ** -0.5
    sd['visual.class_embedding'] = normal((width,), scale)
    sd['visual.positional_embedding'] = normal((grid * grid + 1, width), scale)
    sd['visual.proj'] = normal((width, embed), scale)
    sd['visual.conv1.weight'] = normal((width, 3, patch, patch), (3 * patch * patch) ** -0.5)
    ln('visual.ln_pre', width, sd)
    blocks('visual.transformer', width, layers, sd)
    ln('visual.ln_post', width, sd)
    return sd


def write_safetensors(path, tensors, dtype='f16'):
    """Own safetensors writer: u64 LE header size, JSON header (padded to 8 bytes), raw LE data."""
    np_dtype, st_dtype = {'f16': ('<f2', 'F16'), 'f32': ('<f4', 'F32')}[dtype]
    header = {'__metadata__': {'format': 'pt'}}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        arr = np.array(tensors[name], dtype=np_dtype, order="C")  # keeps 0-d shapes
        raw = arr.tobytes()
        header[name] = {'dtype': st_dtype, 'shape': list(arr.shape),
                        'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    hdr = json.dumps(header, separators=(',', ':')).encode('utf-8')
    hdr += b' ' * ((8 - len(hdr) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(hdr)))
        f.write(hdr)
        for raw in chunks:
            f.write(raw)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', required=True)
    p.add_argument('--seed', type=int, required=True)
    p.add_argument('--dtype', choices=('f16', 'f32'), default='f16')
    p.add_argument('--width', type=int, default=64, help='vision width (multiple of 64)')
    p.add_argument('--text-width', type=int, default=None, help='text width (default: --width)')
    p.add_argument('--layers', type=int, default=12, help='layers of both towers')
    p.add_argument('--embed', type=int, default=32, help='joint embedding dim')
    p.add_argument('--patch', type=int, default=16)
    p.add_argument('--grid', type=int, default=14, help='grid side (input = patch * grid)')
    a = p.parse_args(argv)
    sd = make_state_dict(a.seed, a.width, a.layers, a.embed, a.patch, a.grid, a.text_width)
    write_safetensors(a.out, sd, a.dtype)
    print('wrote %s: %d tensors, %s' % (a.out, len(sd), a.dtype))
    return 0


if __name__ == '__main__':
    sys.exit(main())
