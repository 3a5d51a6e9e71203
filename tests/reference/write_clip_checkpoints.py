#!/usr/bin/env python3
"""Writes one seeded random CLIP checkpoint in the three formats itaclip-serve reads (tests only).

The weights come from write_tiny_checkpoint.make_state_dict (openai/CLIP's initialisation scales),
rounded to fp16 as the official files are, and are written as:

  <stem>.pt                  a TorchScript archive made the way OpenAI's ViT-B-16.pt was made: a
                             CLIP-shaped torch.nn.Module (the module tree and parameter names of
                             openai/CLIP model.py) traced with torch.jit.trace on an image and a
                             text, converted to fp16 and saved with torch.jit.save;
  <stem>-openai.safetensors  safetensors with the OpenAI state-dict names;
  <stem>-hf.safetensors      safetensors with Hugging Face CLIPModel names (separate q/k/v
                             projections, transposed projections, position_ids buffers);
  <stem>.manifest.json       per OpenAI key: shape, and the float64 sum and sum of squares of the
                             fp16 values, for the loaders' tests.

--shape vit-b-16 gives exactly ViT-B/16's shapes (vision width 768, 12 layers, 12 heads, patch 16,
input 224; text width 512, 8 heads, context 77; embedding 512).

Usage: write_clip_checkpoints.py --out-dir DIR --stem NAME --seed N [--shape vit-b-16|tiny]
"""

import argparse
import collections
import json
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import write_tiny_checkpoint  # noqa: E402  (the state dict and the safetensors writer)

SHAPES = {
    'vit-b-16': dict(width=768, layers=12, embed=512, patch=16, grid=14, text_width=512),
    'tiny': dict(width=64, layers=12, embed=32, patch=16, grid=14, text_width=64),
}


# --- A CLIP-shaped module (openai/CLIP model.py's module tree and names) ----------------------

class LayerNorm(nn.LayerNorm):
    def forward(self, x):
        return super().forward(x.float()).type(x.dtype)


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, width, heads, attn_mask=None):
        super().__init__()
        self.attn = nn.MultiheadAttention(width, heads)
        self.ln_1 = LayerNorm(width)
        self.mlp = nn.Sequential(collections.OrderedDict([
            ('c_fc', nn.Linear(width, width * 4)),
            ('gelu', QuickGELU()),
            ('c_proj', nn.Linear(width * 4, width)),
        ]))
        self.ln_2 = LayerNorm(width)
        self.attn_mask = attn_mask

    def forward(self, x):
        z = self.ln_1(x)
        x = x + self.attn(z, z, z, need_weights=False, attn_mask=self.attn_mask)[0]
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width, layers, heads, attn_mask=None):
        super().__init__()
        self.resblocks = nn.Sequential(
            *[ResidualAttentionBlock(width, heads, attn_mask) for _ in range(layers)])

    def forward(self, x):
        return self.resblocks(x)


class VisionTransformer(nn.Module):
    def __init__(self, resolution, patch, width, layers, heads, output_dim):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, kernel_size=patch, stride=patch, bias=False)
        self.class_embedding = nn.Parameter(torch.empty(width))
        self.positional_embedding = nn.Parameter(torch.empty((resolution // patch) ** 2 + 1, width))
        self.ln_pre = LayerNorm(width)
        self.transformer = Transformer(width, layers, heads)
        self.ln_post = LayerNorm(width)
        self.proj = nn.Parameter(torch.empty(width, output_dim))

    def forward(self, x):
        x = self.conv1(x)
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        cls = self.class_embedding + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding
        x = self.ln_pre(x).permute(1, 0, 2)
        x = self.transformer(x).permute(1, 0, 2)
        return self.ln_post(x[:, 0, :]) @ self.proj


class Clip(nn.Module):
    def __init__(self, width, layers, embed, patch, grid, text_width):
        super().__init__()
        context = write_tiny_checkpoint.CONTEXT
        self.visual = VisionTransformer(patch * grid, patch, width, layers, width // 64, embed)
        mask = torch.full((context, context), float('-inf')).triu_(1)
        self.transformer = Transformer(text_width, layers, text_width // 64, mask)
        self.token_embedding = nn.Embedding(write_tiny_checkpoint.VOCAB, text_width)
        self.positional_embedding = nn.Parameter(torch.empty(context, text_width))
        self.ln_final = LayerNorm(text_width)
        self.text_projection = nn.Parameter(torch.empty(text_width, embed))
        self.logit_scale = nn.Parameter(torch.ones([]))

    def encode_text(self, text):
        x = self.token_embedding(text) + self.positional_embedding
        x = self.transformer(x.permute(1, 0, 2)).permute(1, 0, 2)
        x = self.ln_final(x)
        return x[torch.arange(x.shape[0]), text.argmax(dim=-1)] @ self.text_projection

    def forward(self, image, text):
        image_features = self.visual(image)
        text_features = self.encode_text(text)
        image_features = image_features / image_features.norm(dim=1, keepdim=True)
        text_features = text_features / text_features.norm(dim=1, keepdim=True)
        return self.logit_scale.exp() * image_features @ text_features.t()


def write_torchscript(path, fp16_state, shape):
    """Traces the CLIP-shaped module in fp32 on the fp16-rounded weights, converts it to fp16
    and saves it: the archive holds the fp16 values exactly."""
    model = Clip(**shape)
    model.load_state_dict({k: torch.from_numpy(v.astype(np.float32)) for k, v in fp16_state.items()},
                          strict=True)
    model.eval()
    resolution = shape['patch'] * shape['grid']
    image = torch.zeros(1, 3, resolution, resolution)
    text = torch.zeros(1, write_tiny_checkpoint.CONTEXT, dtype=torch.int64)
    text[0, :3] = torch.tensor([49406, 320, 49407])
    with torch.no_grad():
        traced = torch.jit.trace(model, (image, text), check_trace=False)
    traced = traced.half()
    torch.jit.save(traced, path)


# --- Hugging Face CLIPModel names -------------------------------------------------------------

def to_hugging_face(state, layers):
    """OpenAI names -> transformers' CLIPModel names (q/k/v split, projections transposed)."""
    hf = {}

    def tower(openai_prefix, hf_prefix, openai_blocks):
        for i in range(layers):
            o = '%s.resblocks.%d.' % (openai_blocks, i)
            h = '%s.encoder.layers.%d.' % (hf_prefix, i)
            w = state[o + 'attn.in_proj_weight']
            b = state[o + 'attn.in_proj_bias']
            d = w.shape[1]
            for j, name in enumerate(('q_proj', 'k_proj', 'v_proj')):
                hf[h + 'self_attn.%s.weight' % name] = w[j * d:(j + 1) * d]
                hf[h + 'self_attn.%s.bias' % name] = b[j * d:(j + 1) * d]
            hf[h + 'self_attn.out_proj.weight'] = state[o + 'attn.out_proj.weight']
            hf[h + 'self_attn.out_proj.bias'] = state[o + 'attn.out_proj.bias']
            for ln_o, ln_h in (('ln_1', 'layer_norm1'), ('ln_2', 'layer_norm2')):
                hf[h + ln_h + '.weight'] = state[o + ln_o + '.weight']
                hf[h + ln_h + '.bias'] = state[o + ln_o + '.bias']
            for fc_o, fc_h in (('c_fc', 'fc1'), ('c_proj', 'fc2')):
                hf[h + 'mlp.%s.weight' % fc_h] = state[o + 'mlp.%s.weight' % fc_o]
                hf[h + 'mlp.%s.bias' % fc_h] = state[o + 'mlp.%s.bias' % fc_o]

    tower('visual', 'vision_model', 'visual.transformer')
    tower('', 'text_model', 'transformer')
    v = 'vision_model.'
    hf[v + 'embeddings.class_embedding'] = state['visual.class_embedding']
    hf[v + 'embeddings.patch_embedding.weight'] = state['visual.conv1.weight']
    hf[v + 'embeddings.position_embedding.weight'] = state['visual.positional_embedding']
    for o, h in (('ln_pre', 'pre_layrnorm'), ('ln_post', 'post_layernorm')):
        hf[v + h + '.weight'] = state['visual.%s.weight' % o]
        hf[v + h + '.bias'] = state['visual.%s.bias' % o]
    hf['visual_projection.weight'] = state['visual.proj'].T
    t = 'text_model.'
    hf[t + 'embeddings.token_embedding.weight'] = state['token_embedding.weight']
    hf[t + 'embeddings.position_embedding.weight'] = state['positional_embedding']
    hf[t + 'final_layer_norm.weight'] = state['ln_final.weight']
    hf[t + 'final_layer_norm.bias'] = state['ln_final.bias']
    hf['text_projection.weight'] = state['text_projection'].T
    hf['logit_scale'] = state['logit_scale']
    return hf


def write_position_ids(path, hf, shape):
    """The Hugging Face file as transformers saves it: with the int64 position_ids buffers."""
    write_tiny_checkpoint.write_safetensors(path, hf, 'f16')
    # (The shared writer knows float dtypes only; the buffers are appended by rewriting the file
    # with an extended header.)
    extra = {
        'vision_model.embeddings.position_ids':
            np.arange(shape['grid'] ** 2 + 1, dtype='<i8').reshape(1, -1),
        'text_model.embeddings.position_ids':
            np.arange(write_tiny_checkpoint.CONTEXT, dtype='<i8').reshape(1, -1),
    }
    with open(path, 'rb') as f:
        blob = f.read()
    header_len = int.from_bytes(blob[:8], 'little')
    header = json.loads(blob[8:8 + header_len])
    data = blob[8 + header_len:]
    offset = len(data)
    chunks = [data]
    for name, arr in extra.items():
        raw = arr.tobytes()
        header[name] = {'dtype': 'I64', 'shape': list(arr.shape),
                        'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(len(text).to_bytes(8, 'little'))
        f.write(text)
        for chunk in chunks:
            f.write(chunk)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out-dir', required=True)
    p.add_argument('--stem', required=True)
    p.add_argument('--seed', type=int, required=True)
    p.add_argument('--shape', choices=sorted(SHAPES), default='vit-b-16')
    a = p.parse_args(argv)
    shape = SHAPES[a.shape]
    os.makedirs(a.out_dir, exist_ok=True)
    state = write_tiny_checkpoint.make_state_dict(a.seed, **shape)
    # The values every file holds: fp16, as in the official checkpoint.
    fp16 = {k: np.asarray(v, dtype='<f2') for k, v in state.items()}
    stem = os.path.join(a.out_dir, a.stem)
    write_torchscript(stem + '.pt', fp16, shape)
    write_tiny_checkpoint.write_safetensors(stem + '-openai.safetensors', fp16, 'f16')
    write_position_ids(stem + '-hf.safetensors', to_hugging_face(fp16, shape['layers']), shape)
    manifest = {k: {'shape': list(v.shape), 'sum': float(v.astype(np.float64).sum()),
                    'sum_of_squares': float(np.square(v.astype(np.float64)).sum())}
                for k, v in fp16.items()}
    with open(stem + '.manifest.json', 'w') as f:
        json.dump(manifest, f, indent=0, sort_keys=True)
    print('wrote %s.{pt,-openai.safetensors,-hf.safetensors,manifest.json}: %s, %d tensors, '
          'seed %d' % (stem, a.shape, len(fp16), a.seed))
    return 0


if __name__ == '__main__':
    sys.exit(main())
