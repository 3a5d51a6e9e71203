#!/usr/bin/env python3
"""Independent Python reference implementation of ITACLIP (tests only).

This is a re-derivation of the ITACLIP inference method from the project spec
(/work/shared/spec/itaclip.md), written to mirror the original Python code of
m-arda-aydn/ITACLIP (itaclip_segmentor.py, clip/model.py, pamr.py) and the
library code it goes through (openai/CLIP tokenizer, mmcv Resize, mmseg
SegDataPreProcessor, torchvision Grayscale/GaussianBlur/flips). It shares no
code with the C++ implementation and exists only so that end-to-end tests can
compare the C++ `itaclip segment --scores` output with an independent result.

Everything runs in fp32 on the CPU, one sliding-window crop at a time (the 5
augmented views of one crop are batched into one ViT call, which is
numerically equivalent up to BLAS blocking).

Subcommands:
  segment    run the full pipeline on one image, write scores (.npy) + labels (.png)
  selftest   check the tokenizer against the shared test vectors, plus a few
             internal consistency checks
  text-norms print the norms of the query text embeddings of a preset

Requires only Python with torch (PyTorch's wheel in .venv/), numpy and cv2.
"""

import argparse
import gzip
import hashlib
import json
import math
import os
import re
import struct
import sys
import time

# Performance only (results do not depend on them): on a shared 2-core machine, spinning OpenMP
# workers plus OpenBLAS's own spinning threads cost more CPU than they save.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')


def _tune_malloc():
    """Performance only: serve every allocation from the glibc heap and never trim it, so that
    the many large temporaries (tens of MB) are reused instead of being mmap-ed and page-faulted
    anew each time (that cost as much system time as the computation itself)."""
    try:
        import ctypes
        libc = ctypes.CDLL('libc.so.6')
        libc.mallopt(-4, 0)  # M_MMAP_MAX
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


_tune_malloc()

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------
# Presets (spec section 6). Hard-coded on purpose: this file must not depend on any
# project config file, so that a wrong value there is caught by the comparison.
# ---------------------------------------------------------------------------------------------

PRESETS = {
    # name: short side S, def_coefficient, img_eng_coefficient, logit_scale, prob_thd, area_thd, bg
    'voc21': dict(short_side=336, def_coefficient=0.05, img_eng_coefficient=0.7,
                  logit_scale=60.0, prob_thd=0.1, area_thd=0.1, bg=True),
    'context60': dict(short_side=336, def_coefficient=0.15, img_eng_coefficient=0.75,
                      logit_scale=55.0, prob_thd=0.1, area_thd=None, bg=True),
    'coco_object': dict(short_side=336, def_coefficient=0.10, img_eng_coefficient=0.75,
                        logit_scale=50.0, prob_thd=0.1, area_thd=None, bg=True),
    'coco_stuff': dict(short_side=448, def_coefficient=0.20, img_eng_coefficient=0.75,
                       logit_scale=40.0, prob_thd=0.0, area_thd=None, bg=False),
    'cityscapes': dict(short_side=560, def_coefficient=0.05, img_eng_coefficient=0.7,
                       logit_scale=40.0, prob_thd=0.0, area_thd=None, bg=False),
}
LONG_SIDE_MAX = 2048
SLIDE_CROP = 224
SLIDE_STRIDE = 28
PAMR_STEPS = 10
PAMR_DILATIONS = (8, 16)
# SegDataPreProcessor mean/std in RGB order (CLIP constants x255, rounded to 3 decimals).
PIXEL_MEAN = (122.771, 116.746, 104.094)
PIXEL_STD = (68.501, 66.632, 70.323)
# 1-based counter values of the blocks whose self-self maps are captured (0-based 6, 7, 9).
SELECTED_INTERMEDIATE_LAYERS = (7, 8, 10)
TEXT_CACHE_VERSION = 1

# ---------------------------------------------------------------------------------------------
# safetensors reader (own parser: 8-byte LE header length, JSON header, raw data)
# ---------------------------------------------------------------------------------------------

_ST_DTYPES = {'F16': np.dtype('<f2'), 'F32': np.dtype('<f4'), 'F64': np.dtype('<f8')}


def load_safetensors(path):
    """Returns {name: fp32 torch.Tensor} for every tensor of a safetensors file."""
    with open(path, 'rb') as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError('%s: too short for a safetensors file' % path)
    (header_len,) = struct.unpack('<Q', blob[:8])
    if header_len > len(blob) - 8:
        raise ValueError('%s: header length %d exceeds the file size' % (path, header_len))
    header = json.loads(blob[8:8 + header_len].decode('utf-8'))
    data = memoryview(blob)[8 + header_len:]
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        dtype = info['dtype']
        if dtype not in _ST_DTYPES:
            raise ValueError('%s: tensor %s has unsupported dtype %s' % (path, name, dtype))
        npdt = _ST_DTYPES[dtype]
        shape = [int(s) for s in info['shape']]
        begin, end = (int(v) for v in info['data_offsets'])
        numel = int(np.prod(shape)) if shape else 1
        if end - begin != numel * npdt.itemsize or end > len(data) or begin < 0:
            raise ValueError('%s: tensor %s has bad data_offsets %r for shape %r'
                             % (path, name, info['data_offsets'], shape))
        arr = np.frombuffer(data, dtype=npdt, count=numel, offset=begin).reshape(shape)
        out[name] = torch.from_numpy(arr.astype(np.float32))
    return out


def load_checkpoint(path):
    """{name: fp32 tensor} of a safetensors file (OpenAI names) or of a TorchScript archive such
    as OpenAI's ViT-B-16.pt (a zip file), read with PyTorch's own torch.jit.load as openai/CLIP's
    clip.load(jit=False) does."""
    with open(path, 'rb') as f:
        magic = f.read(4)
    if magic == b'PK\x03\x04':
        module = torch.jit.load(path, map_location='cpu')
        return {k: v.detach().float() for k, v in module.state_dict().items()}
    return load_safetensors(path)


# ---------------------------------------------------------------------------------------------
# CLIP BPE tokenizer (port of openai/CLIP clip/simple_tokenizer.py + clip.tokenize)
# ---------------------------------------------------------------------------------------------

def bytes_to_unicode():
    bs = (list(range(ord('!'), ord('~') + 1)) + list(range(ord('\xa1'), ord('\xac') + 1))
          + list(range(ord('\xae'), ord('\xff') + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def _get_pairs(word):
    return set(zip(word[:-1], word[1:]))


# The original pattern (regex module, IGNORECASE) is
#   <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
# For ASCII input \p{L} = [a-zA-Z], \p{N} = [0-9] and the Unicode White_Space characters are
# exactly \t \n \v \f \r and space, so this `re` pattern is equivalent on ASCII text.
_ASCII_WS = '\t\n\x0b\x0c\r '
_PRETOKEN_PAT = re.compile(
    r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[a-zA-Z]+|[0-9]|[^"
    + _ASCII_WS + r"a-zA-Z0-9]+", re.IGNORECASE)
_WS_RUN = re.compile('[' + _ASCII_WS + ']+')
# Characters for which ftfy.fix_text and the double html.unescape are provably the identity
# (printable ASCII without '&', plus tab/newline/CR/FF which only affect whitespace runs).
_SAFE_CHARS = set(chr(c) for c in range(0x20, 0x7f)) - {'&'} | set('\t\n\r\x0c')


class SimpleTokenizer(object):
    SOT = 49406
    EOT = 49407

    def __init__(self, bpe_path):
        self.byte_encoder = bytes_to_unicode()
        merges = gzip.open(bpe_path).read().decode('utf-8').split('\n')
        merges = merges[1:49152 - 256 - 2 + 1]
        merges = [tuple(m.split()) for m in merges]
        vocab = list(self.byte_encoder.values())
        vocab = vocab + [v + '</w>' for v in vocab]
        for m in merges:
            vocab.append(''.join(m))
        vocab.extend(['<|startoftext|>', '<|endoftext|>'])
        self.encoder = dict(zip(vocab, range(len(vocab))))
        self.bpe_ranks = dict(zip(merges, range(len(merges))))
        self.cache = {'<|startoftext|>': '<|startoftext|>', '<|endoftext|>': '<|endoftext|>'}
        assert len(self.encoder) == 49408, len(self.encoder)
        assert self.encoder['<|startoftext|>'] == self.SOT
        assert self.encoder['<|endoftext|>'] == self.EOT

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token[:-1]) + (token[-1] + '</w>',)
        pairs = _get_pairs(word)
        if not pairs:
            return token + '</w>'
        while True:
            bigram = min(pairs, key=lambda p: self.bpe_ranks.get(p, float('inf')))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word = []
            i = 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                except ValueError:
                    new_word.extend(word[i:])
                    break
                new_word.extend(word[i:j])
                i = j
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = _get_pairs(word)
        word = ' '.join(word)
        self.cache[token] = word
        return word

    def encode(self, text):
        bad = [c for c in text if c not in _SAFE_CHARS]
        if bad:
            raise ValueError('reference tokenizer only supports printable ASCII without "&" '
                             '(got %r in %r)' % (bad[0], text))
        # basic_clean (ftfy + html.unescape x2 are the identity here) then strip,
        # whitespace_clean, lower.
        text = _WS_RUN.sub(' ', text.strip()).strip().lower()
        ids = []
        for token in _PRETOKEN_PAT.findall(text):
            token = ''.join(self.byte_encoder[b] for b in token.encode('utf-8'))
            ids.extend(self.encoder[t] for t in self.bpe(token).split(' '))
        return ids

    def tokenize(self, texts, context_length=77):
        """Returns an int64 tensor [len(texts), context_length], zero padded."""
        result = torch.zeros(len(texts), context_length, dtype=torch.long)
        for i, text in enumerate(texts):
            tokens = [self.SOT] + self.encode(text) + [self.EOT]
            if len(tokens) > context_length:
                raise RuntimeError('Input %r is too long for context length %d'
                                   % (text, context_length))
            result[i, :len(tokens)] = torch.tensor(tokens)
        return result


# ---------------------------------------------------------------------------------------------
# CLIP model (built from the state-dict shapes like openai/CLIP build_model)
# ---------------------------------------------------------------------------------------------

class ClipModel(object):
    def __init__(self, sd):
        self.sd = sd
        if 'visual.proj' not in sd:
            raise ValueError('checkpoint is not a ViT CLIP (no visual.proj)')
        self.vision_width = sd['visual.conv1.weight'].shape[0]
        self.vision_layers = len([k for k in sd if k.startswith('visual.')
                                  and k.endswith('.attn.in_proj_weight')])
        self.patch_size = sd['visual.conv1.weight'].shape[-1]
        self.grid_size = round((sd['visual.positional_embedding'].shape[0] - 1) ** 0.5)
        self.image_resolution = self.patch_size * self.grid_size
        self.vision_heads = self.vision_width // 64
        self.embed_dim = sd['text_projection'].shape[1]
        self.context_length = sd['positional_embedding'].shape[0]
        self.vocab_size = sd['token_embedding.weight'].shape[0]
        self.text_width = sd['ln_final.weight'].shape[0]
        self.text_heads = self.text_width // 64
        self.text_layers = len(set(k.split('.')[2] for k in sd
                                   if k.startswith('transformer.resblocks')))
        if self.vision_heads < 1 or self.text_heads < 1:
            raise ValueError('widths must be >= 64 (heads = width // 64)')
        self.text_mask = torch.full((self.context_length, self.context_length),
                                    float('-inf')).triu_(1)

    def describe(self):
        return ('vision: width %d, layers %d, heads %d, patch %d, grid %d; text: width %d, '
                'layers %d, heads %d, context %d, vocab %d; embed %d'
                % (self.vision_width, self.vision_layers, self.vision_heads, self.patch_size,
                   self.grid_size, self.text_width, self.text_layers, self.text_heads,
                   self.context_length, self.vocab_size, self.embed_dim))

    # -- building blocks (batch-first: N x L x D) ---------------------------------------------

    def _ln(self, x, prefix):
        return F.layer_norm(x, (x.shape[-1],), self.sd[prefix + '.weight'],
                            self.sd[prefix + '.bias'], eps=1e-5)

    def _qkv(self, z, prefix, heads):
        """z: N x L x D -> q, k, v each N x heads x L x head_dim."""
        n, l, d = z.shape
        qkv = F.linear(z, self.sd[prefix + '.attn.in_proj_weight'],
                       self.sd[prefix + '.attn.in_proj_bias'])
        q, k, v = qkv.chunk(3, dim=-1)
        hd = d // heads

        def split(t):
            return t.reshape(n, l, heads, hd).transpose(1, 2)
        return split(q), split(k), split(v)

    def _merge_heads_out(self, o, prefix):
        n, h, l, hd = o.shape
        o = o.transpose(1, 2).reshape(n, l, h * hd)
        return F.linear(o, self.sd[prefix + '.attn.out_proj.weight'],
                        self.sd[prefix + '.attn.out_proj.bias'])

    def _attention(self, z, prefix, heads, mask=None):
        q, k, v = self._qkv(z, prefix, heads)
        scale = q.shape[-1] ** -0.5
        s = torch.matmul(q * scale, k.transpose(-1, -2))
        if mask is not None:
            s.add_(mask)
        return self._merge_heads_out(torch.matmul(torch.softmax(s, dim=-1), v), prefix)

    def _mlp(self, z, prefix):
        h = F.linear(z, self.sd[prefix + '.mlp.c_fc.weight'], self.sd[prefix + '.mlp.c_fc.bias'])
        # QuickGELU h * sigmoid(1.702 * h), with the same operations done in place.
        g = torch.mul(h, 1.702)
        g.sigmoid_()
        h.mul_(g)
        return F.linear(h, self.sd[prefix + '.mlp.c_proj.weight'],
                        self.sd[prefix + '.mlp.c_proj.bias'])

    def _block(self, x, prefix, heads, mask=None):
        """Standard CLIP residual block. Updates x in place (callers pass fresh tensors)."""
        x.add_(self._attention(self._ln(x, prefix + '.ln_1'), prefix, heads, mask))
        x.add_(self._mlp(self._ln(x, prefix + '.ln_2'), prefix))
        return x

    def _self_self_map(self, z, prefix, heads):
        """ITACLIP custom_attn(attn_self=True, return_attn=True): N x heads x L x L, rows sum to 2."""
        q, k, _ = self._qkv(z, prefix, heads)
        scale = q.shape[-1] ** -0.5
        q_attn = torch.matmul(q, q.transpose(-1, -2)) * scale
        k_attn = torch.matmul(k, k.transpose(-1, -2)) * scale
        return torch.softmax(q_attn, dim=-1) + torch.softmax(k_attn, dim=-1)

    # -- vision --------------------------------------------------------------------------------

    def interpolate_pos_encoding(self, n_tokens, rows, cols):
        """ITACLIP VisionTransformer.interpolate_pos_encoding for an input of rows x cols pixels."""
        pos = self.sd['visual.positional_embedding']
        npatch = n_tokens - 1
        n = pos.shape[0] - 1
        if npatch == n and rows == cols:
            return pos.unsqueeze(0)
        class_pos = pos[[0]]
        patch_pos = pos[1:]
        dim = pos.shape[-1]
        g = int(math.sqrt(n))
        w0 = rows // self.patch_size + 0.1
        h0 = cols // self.patch_size + 0.1
        patch_pos = F.interpolate(
            patch_pos.reshape(1, g, g, dim).permute(0, 3, 1, 2),
            scale_factor=(w0 / math.sqrt(n), h0 / math.sqrt(n)), mode='bicubic')
        assert int(w0) == patch_pos.shape[-2] and int(h0) == patch_pos.shape[-1], patch_pos.shape
        patch_pos = patch_pos.permute(0, 2, 3, 1).reshape(1, -1, dim)
        return torch.cat((class_pos.unsqueeze(0), patch_pos), dim=1)

    def encode_image_all(self, img):
        """ITACLIP ViT forward (return_all=True, attn_self=True).

        img: N x 3 x h x w (fp32). Returns N x L x embed_dim (CLS first, before any
        normalisation).
        """
        sd = self.sd
        heads = self.vision_heads
        rows, cols = img.shape[2], img.shape[3]
        x = F.conv2d(img, sd['visual.conv1.weight'], stride=self.patch_size)
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        cls = sd['visual.class_embedding'] + torch.zeros(x.shape[0], 1, x.shape[-1])
        x = torch.cat([cls, x], dim=1)
        if x.shape[1] != sd['visual.positional_embedding'].shape[0]:
            x = x + self.interpolate_pos_encoding(x.shape[1], rows, cols)
        else:
            x = x + sd['visual.positional_embedding']
        x = self._ln(x, 'visual.ln_pre')

        attn_list = []
        layer_count = 0
        for i in range(self.vision_layers - 1):
            prefix = 'visual.transformer.resblocks.%d' % i
            layer_count += 1
            if layer_count in SELECTED_INTERMEDIATE_LAYERS:
                # Computed from ln_1 of the block input, before the (unchanged) block runs.
                attn_list.append(self._self_self_map(self._ln(x, prefix + '.ln_1'), prefix, heads))
            x = self._block(x, prefix, heads)
        if not attn_list:
            raise ValueError('vision tower has too few layers for ITACLIP (%d)' % self.vision_layers)
        avg_attn = torch.mean(torch.stack(attn_list), dim=0)

        prefix = 'visual.transformer.resblocks.%d' % (self.vision_layers - 1)
        z = self._ln(x, prefix + '.ln_1')
        fused = 0.5 * self._self_self_map(z, prefix, heads) + 0.5 * avg_attn
        _, _, v = self._qkv(z, prefix, heads)
        # Residual kept, last block's MLP and ln_2 skipped.
        x = x + self._merge_heads_out(torch.matmul(fused, v), prefix)
        return torch.matmul(self._ln(x, 'visual.ln_post'), sd['visual.proj'])

    # -- text ----------------------------------------------------------------------------------

    def encode_text(self, ids):
        """Stock CLIP encode_text (causal mask) on ids' positions: the full context, or the first
        positions up to the last EOT (exact, spec section 1.6)."""
        sd = self.sd
        n = ids.shape[1]
        x = sd['token_embedding.weight'][ids] + sd['positional_embedding'][:n]
        for i in range(self.text_layers):
            x = self._block(x, 'transformer.resblocks.%d' % i, self.text_heads,
                            self.text_mask[:n, :n])
        x = self._ln(x, 'ln_final')
        return torch.matmul(x[torch.arange(x.shape[0]), ids.argmax(dim=-1)],
                            sd['text_projection'])


# ---------------------------------------------------------------------------------------------
# Text side (spec section 3)
# ---------------------------------------------------------------------------------------------

def read_lines_keep(path):
    with open(path, 'r', encoding='utf-8') as f:
        return f.readlines()


def get_cls_idx(path):
    """ITACLIP get_cls_idx: returns (query names, query class indices)."""
    name_sets = read_lines_keep(path)
    names, indices = [], []
    for idx, line in enumerate(name_sets):
        parts = line.split(', ')
        names += parts
        indices += [idx] * len(parts)
    names = [n.replace('\n', '') for n in names]
    return names, indices


def get_aux_text(path):
    out = []
    for line in read_lines_keep(path):
        line = line.replace('\n', '')
        fields = line.split('>=')
        if len(fields) < 2:
            raise ValueError('%s: line %r has no ">="' % (path, line))
        out.append(fields[1])
    return out


def read_templates(path):
    templates = [t.replace('\n', '') for t in read_lines_keep(path)]
    templates = [t for t in templates if t != '']
    for t in templates:
        if t.count('{}') != 1:
            raise ValueError('%s: template %r must contain exactly one {}' % (path, t))
    return templates


def text_feature(model, tokenizer, strings, templates, batch_strings=None, cut_at_eot=False):
    """ITACLIP text_feature: per string, mean of the normalised template embeddings, normalised.

    Several strings are encoded per call; the batch is sized so that the largest temporary (the
    MLP hidden state) stays around 16 MB, which keeps glibc from mmap-ing (and page-faulting)
    every temporary."""
    if batch_strings is None:
        per_prompt = model.context_length * 4 * model.text_width * 4
        batch_strings = max(1, (16 << 20) // (per_prompt * len(templates)))
    feats = []
    for start in range(0, len(strings), batch_strings):
        chunk = strings[start:start + batch_strings]
        prompts = [t.replace('{}', s) for s in chunk for t in templates]
        ids = tokenizer.tokenize(prompts, model.context_length)
        if cut_at_eot:
            ids = ids[:, :int(ids.argmax(dim=-1).max()) + 1]
        with torch.no_grad():
            emb = model.encode_text(ids)
        emb = emb.reshape(len(chunk), len(templates), -1)
        for j in range(len(chunk)):
            f = emb[j]
            f = f / f.norm(dim=-1, keepdim=True)
            f = f.mean(dim=0)
            f = f / f.norm()
            feats.append(f.unsqueeze(0))
    return torch.cat(feats, dim=0)


def build_query_features(model, tokenizer, classes_path, templates_path, preset,
                         descriptions_path=None, cut_at_eot=False):
    """Returns (T [Q x E], query_idx list, num_cls)."""
    names, query_idx = get_cls_idx(classes_path)
    templates = read_templates(templates_path)
    original = text_feature(model, tokenizer, names, templates, cut_at_eot=cut_at_eot)
    qidx = torch.tensor(query_idx, dtype=torch.int64)
    if descriptions_path is None:
        feats = original
    else:
        aux_texts = get_aux_text(descriptions_path)
        aux = text_feature(model, tokenizer, aux_texts, templates, cut_at_eot=cut_at_eot)
        c = preset['def_coefficient']
        if preset['bg']:
            feats = torch.zeros_like(original)
            nb = int((qidx == 0).sum().item())
            aux_sel = aux[qidx[nb:] - 1]
            feats[nb:] = (1 - c) * original[nb:] + c * aux_sel
            feats[:nb] = original[:nb]
        else:
            aux_sel = aux[qidx]
            feats = (1 - c) * original + c * aux_sel
    num_cls = max(query_idx) + 1
    return feats, query_idx, num_cls


# ---------------------------------------------------------------------------------------------
# Image side (spec sections 4-5)
# ---------------------------------------------------------------------------------------------

def load_and_preprocess(path, short_side):
    """mmcv LoadImageFromFile + Resize(keep_ratio) + mmseg SegDataPreProcessor.

    Returns (normalised RGB image 1x3xhxw fp32, (H0, W0)).
    """
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError('cannot read image %s' % path)
    h0, w0 = img.shape[:2]
    f = min(LONG_SIDE_MAX / max(h0, w0), short_side / min(h0, w0))
    new_w, new_h = int(w0 * float(f) + 0.5), int(h0 * float(f) + 0.5)
    img = cv2.resize(img, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    x = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))  # BGR CHW uint8
    x = x[[2, 1, 0], ...].float()
    mean = torch.tensor(PIXEL_MEAN).view(-1, 1, 1)
    std = torch.tensor(PIXEL_STD).view(-1, 1, 1)
    x = (x - mean) / std
    return x.unsqueeze(0), (h0, w0)


def gaussian_kernel1d(kernel_size=11, sigma=5.0):
    """torchvision _get_gaussian_kernel1d."""
    half = (kernel_size - 1) * 0.5
    x = torch.linspace(-half, half, steps=kernel_size)
    pdf = torch.exp(-0.5 * (x / sigma).pow(2))
    return pdf / pdf.sum()


def gaussian_blur(img, kernel_size=11, sigma=5.0):
    """torchvision gaussian_blur on a float 1x3xhxw tensor (reflect padding, grouped conv)."""
    k1 = gaussian_kernel1d(kernel_size, sigma)
    k2 = torch.mm(k1[:, None], k1[None, :])
    k2 = k2.expand(img.shape[-3], 1, kernel_size, kernel_size)
    pad = kernel_size // 2
    x = F.pad(img, [pad, pad, pad, pad], mode='reflect')
    return F.conv2d(x, k2, groups=img.shape[-3])


def grayscale3(img):
    """torchvision rgb_to_grayscale (1 channel) expanded to 3 channels, as ITACLIP does."""
    r, g, b = img.unbind(dim=-3)
    l_img = (0.2989 * r + 0.587 * g + 0.114 * b).unsqueeze(dim=-3)
    return l_img.expand(img.shape[0], 3, -1, -1)


def forward_feature(model, crop, text_features, alpha):
    """ITACLIP forward_feature (img_engineering=True) for one crop 1x3xchxcw -> 1xQxchxcw."""
    views = torch.cat([crop, grayscale3(crop), gaussian_blur(crop), crop.flip(-2), crop.flip(-1)])
    with torch.no_grad():
        feats = model.encode_image_all(views)
    feats = feats / feats.norm(dim=-1, keepdim=True)
    image_features = torch.mean(torch.stack([feats[0:1], feats[1:2], feats[2:3]]), dim=0)
    image_features = image_features[:, 1:]
    logits = image_features @ text_features.T
    ch, cw = crop.shape[-2], crop.shape[-1]
    gr, gc = ch // model.patch_size, cw // model.patch_size
    q = logits.shape[-1]
    logits = logits.permute(0, 2, 1).reshape(-1, q, gr, gc)
    logits = F.interpolate(logits, size=(ch, cw), mode='bilinear', align_corners=False)
    flip_logits = []
    for view, dim in ((3, -2), (4, -1)):
        fl = feats[view:view + 1, 1:] @ text_features.T
        fl = fl.permute(0, 2, 1).reshape(-1, q, gr, gc)
        fl = F.interpolate(fl, size=(ch, cw), mode='bilinear', align_corners=False)
        flip_logits.append(fl.flip(dim))
    # Same value as torch.mean(torch.stack(flip_logits), 0): one rounded sum, exact halving.
    flip = (flip_logits[0] + flip_logits[1]) / 2
    return alpha * logits + (1 - alpha) * flip


def forward_slide(model, img, text_features, alpha, crop=SLIDE_CROP, stride=SLIDE_STRIDE,
                  progress=False):
    """ITACLIP forward_slide up to (not including) the resize to the original size."""
    _, _, h_img, w_img = img.shape
    q = text_features.shape[0]
    h_grids = max(h_img - crop + stride - 1, 0) // stride + 1
    w_grids = max(w_img - crop + stride - 1, 0) // stride + 1
    preds = torch.zeros(1, q, h_img, w_img)
    count = torch.zeros(1, 1, h_img, w_img)
    for hi in range(h_grids):
        for wi in range(w_grids):
            y1, x1 = hi * stride, wi * stride
            y2, x2 = min(y1 + crop, h_img), min(x1 + crop, w_img)
            y1, x1 = max(y2 - crop, 0), max(x2 - crop, 0)
            crop_logit = forward_feature(model, img[:, :, y1:y2, x1:x2], text_features, alpha)
            preds[:, :, y1:y2, x1:x2] += crop_logit
            count[:, :, y1:y2, x1:x2] += 1
        if progress:
            print('  slide row %d/%d' % (hi + 1, h_grids), file=sys.stderr)
    assert (count == 0).sum() == 0
    return preds / count, h_grids * w_grids


# -- PAMR (pamr.py of SCLIP/ITACLIP, from visinf/1-stage-wseg) ----------------------------------

def _kernel_affinity():
    w = torch.zeros(8, 1, 3, 3)
    w[:, 0, 1, 1] = 1
    for i, (r, c) in enumerate(((0, 0), (0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1), (2, 2))):
        w[i, 0, r, c] = -1
    return w


def _kernel_copy():
    w = torch.zeros(8, 1, 3, 3)
    for i, (r, c) in enumerate(((0, 0), (0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1), (2, 2))):
        w[i, 0, r, c] = 1
    return w


def _kernel_std():
    w = torch.zeros(9, 1, 3, 3)
    for i in range(9):
        w[i, 0, i // 3, i % 3] = 1
    return w


def _local_affinity(x, kernel, dilations):
    b, k, h, w = x.shape
    x = x.reshape(b * k, 1, h, w)
    outs = []
    for d in dilations:
        x_pad = F.pad(x, [d] * 4, mode='replicate')
        outs.append(F.conv2d(x_pad, kernel, dilation=d))
    return torch.cat(outs, 1).view(b, k, -1, h, w)


_NEIGHBOURS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


def _shifted_neighbours(x, dilations, out):
    """Gather form of _local_affinity(x, _kernel_copy(), dilations), written into `out`
    (B x K x 8*len(dilations) x H x W).

    Each output of the copy-kernel convolution is 1 * (one replicate-padded neighbour) plus
    products with exact zeros, i.e. exactly that neighbour value; this gather returns the same
    values bit for bit (checked by `selftest`) at a fraction of the convolution's cost."""
    b, k, h, w = x.shape
    j = 0
    for d in dilations:
        xp = F.pad(x.reshape(b * k, 1, h, w), [d] * 4, mode='replicate').view(b, k, h + 2 * d,
                                                                            w + 2 * d)
        for dy, dx in _NEIGHBOURS:
            out[:, :, j] = xp[:, :, d + dy * d:d + dy * d + h, d + dx * d:d + dx * d + w]
            j += 1
    return out


def pamr(guide, mask, num_iter=PAMR_STEPS, dilations=PAMR_DILATIONS, channel_chunk=8,
         use_conv=False):
    """PAMR(num_iter, dilations)(guide, mask) of pamr.py.

    The mask channels are independent, so they are processed in chunks (exact) to bound
    memory. The propagation uses the gather form of the copy-kernel convolution unless
    use_conv is set (both give identical results; see _shifted_neighbours)."""
    mask = F.interpolate(mask, size=guide.shape[-2:], mode='bilinear', align_corners=True)
    x_std = _local_affinity(guide, _kernel_std(), dilations).std(2, keepdim=True)
    aff = -torch.abs(_local_affinity(guide, _kernel_affinity(), dilations)) / (1e-8 + 0.1 * x_std)
    aff = aff.mean(1, keepdim=True)
    aff = F.softmax(aff, 2)
    copy_kernel = _kernel_copy()
    b, _, h, w = mask.shape
    p = 8 * len(dilations)
    out = []
    for c0 in range(0, mask.shape[1], channel_chunk):
        m_c = mask[:, c0:c0 + channel_chunk]
        if use_conv:
            for _ in range(num_iter):
                m = _local_affinity(m_c, copy_kernel, dilations)
                m_c = (m * aff).sum(2)
        else:
            kc = m_c.shape[1]
            m = torch.empty(b, kc, p, h, w)
            prod = torch.empty(b, kc, p, h, w)
            for _ in range(num_iter):
                _shifted_neighbours(m_c, dilations, m)
                torch.mul(m, aff, out=prod)
                m_c = prod.sum(2)
        out.append(m_c)
    return torch.cat(out, dim=1)


# -- post-processing ---------------------------------------------------------------------------

def postprocess(seg_logits, query_idx, num_cls, logit_scale, prob_thd, area_thd):
    """ITACLIP postprocess_result for one image. seg_logits: Q x H x W raw logits.

    Returns (scores C x H x W before thresholds, label map H x W numpy)."""
    qidx = torch.tensor(query_idx, dtype=torch.int64)
    num_queries = len(query_idx)
    seg = seg_logits * logit_scale
    seg = seg.softmax(0)
    if num_cls != num_queries:
        # The original multiplies by a one-hot class x query mask and takes the max over queries
        # (optionally in column chunks). Softmax outputs are >= 0 and x*1 / x*0 are exact, so
        # that equals the max over each class's own queries, computed here per class to avoid
        # the num_cls x num_queries x H x W temporary (33 GB for COCO-Stuff at 513x513).
        seg = torch.stack([seg[qidx == c].max(0)[0] for c in range(num_cls)])
    scores = seg.clone()
    if area_thd is not None:
        predictions = F.one_hot(seg.argmax(0), num_cls).to(seg.dtype)
        area_pred = predictions[:, :, 1:].sum((0, 1), keepdim=True)
        area_pred = (area_pred > area_thd * area_pred.sum()).to(seg.dtype)
        seg[1:] *= area_pred.transpose(0, -1)
    seg_pred = seg.argmax(0, keepdim=True)
    seg_pred[seg.max(0, keepdim=True)[0] < prob_thd] = 0
    label_dtype = np.uint8 if num_cls <= 256 else np.uint16
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
    labels = cv2.morphologyEx(seg_pred.squeeze(0).numpy().astype(label_dtype), cv2.MORPH_CLOSE,
                              kernel)
    return scores, labels


# ---------------------------------------------------------------------------------------------
# Whole pipeline
# ---------------------------------------------------------------------------------------------

def segment(model, text_features, query_idx, num_cls, image_path, preset, progress=False,
            timings=None):
    t0 = time.time()
    img, (h0, w0) = load_and_preprocess(image_path, preset['short_side'])
    with torch.no_grad():
        preds, n_windows = forward_slide(model, img, text_features,
                                         preset['img_eng_coefficient'],
                                         stride=preset['stride'], progress=progress)
        t1 = time.time()
        logits = F.interpolate(preds, size=(h0, w0), mode='bilinear', align_corners=False)
        guide = F.interpolate(img, size=(h0, w0), mode='bilinear', align_corners=False)
        logits = pamr(guide, logits)
        t2 = time.time()
        scores, labels = postprocess(logits[0], query_idx, num_cls, preset['logit_scale'],
                                     preset['prob_thd'], preset['area_thd'])
    t3 = time.time()
    if timings is not None:
        timings.update(resized=tuple(img.shape[-2:]), windows=n_windows, slide_s=t1 - t0,
                       pamr_s=t2 - t1, post_s=t3 - t2)
    return scores, labels


def _text_cache_key(args, preset):
    """sha256 over everything the query embeddings depend on."""
    h = hashlib.sha256()
    for path in (args.model, args.bpe, args.classes, args.templates, args.descriptions):
        h.update(b'\0' if path is None else open(path, 'rb').read())
        h.update(b'\1')
    h.update(repr((preset['def_coefficient'], preset['bg'], TEXT_CACHE_VERSION)).encode())
    return h.hexdigest()


def _load_model_and_text(args, preset):
    model = ClipModel(load_checkpoint(args.model))
    cache = getattr(args, 'text_cache', None)
    key = _text_cache_key(args, preset) if cache else None
    if cache and os.path.exists(cache):
        with np.load(cache) as z:
            if str(z['key']) == key:
                return (model, torch.from_numpy(z['feats']), [int(i) for i in z['query_idx']],
                        int(z['num_cls']))
    tokenizer = SimpleTokenizer(args.bpe)
    feats, query_idx, num_cls = build_query_features(
        model, tokenizer, args.classes, args.templates, preset, args.descriptions,
        cut_at_eot=args.text_context == 'eot')
    if cache:
        tmp = cache + '.tmp.npz'
        np.savez(tmp, key=np.array(key), feats=feats.numpy(), query_idx=np.array(query_idx),
                 num_cls=np.array(num_cls))
        os.replace(tmp, cache)
    return model, feats, query_idx, num_cls


# The settings a test may change with --set (both sides then run the same method with other
# numbers, e.g. fewer windows to keep a ViT-B/16-sized run short).
OVERRIDABLE = {'short_side': int, 'stride': int}


def preset_with_overrides(name, overrides):
    preset = dict(PRESETS[name], stride=SLIDE_STRIDE)
    for item in overrides or []:
        key, _, value = item.partition('=')
        if key not in OVERRIDABLE:
            raise ValueError('--set %s: not one of %s' % (item, ', '.join(sorted(OVERRIDABLE))))
        preset[key] = OVERRIDABLE[key](value)
    return preset


def cmd_segment(args):
    preset = preset_with_overrides(args.preset, args.set)
    t0 = time.time()
    model, feats, query_idx, num_cls = _load_model_and_text(args, preset)
    t1 = time.time()
    tm = {}
    scores, labels = segment(model, feats, query_idx, num_cls, args.image, preset,
                             progress=args.verbose, timings=tm)
    t2 = time.time()
    np.save(args.out_scores, scores.numpy().astype(np.float32))
    if not cv2.imwrite(args.out_labels, labels):
        raise RuntimeError('cannot write %s' % args.out_labels)
    print('preset %s: %d queries, %d classes, image %s -> resized %dx%d, %d windows; '
          'text %.1fs, slide %.1fs, pamr %.1fs, post %.1fs, total %.1fs; labels in [%d, %d]'
          % (args.preset, len(query_idx), num_cls, 'x'.join(map(str, labels.shape)),
             tm['resized'][0], tm['resized'][1], tm['windows'], t1 - t0, tm['slide_s'],
             tm['pamr_s'], tm['post_s'], t2 - t0, int(labels.min()), int(labels.max())))
    return 0


def cmd_text_norms(args):
    preset = PRESETS[args.preset]
    _, feats, query_idx, _ = _load_model_and_text(args, preset)
    norms = feats.norm(dim=-1)
    qidx = torch.tensor(query_idx)
    for i, (n, c) in enumerate(zip(norms.tolist(), query_idx)):
        if args.verbose:
            print('query %3d class %3d norm %.7f' % (i, c, n))
    if preset['bg']:
        bg, fg = norms[qidx == 0], norms[qidx != 0]
        print('background queries: %d, norm min %.7f max %.7f' % (len(bg), bg.min(), bg.max()))
    else:
        fg = norms
    print('%s queries: %d, norm min %.7f max %.7f'
          % ('blended' if args.descriptions else 'non-background (not blended)', len(fg),
             fg.min(), fg.max()))
    return 0


def cmd_selftest(args):
    ok = True
    tok = SimpleTokenizer(args.bpe)
    n = 0
    with open(args.vectors, 'r', encoding='utf-8') as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            got = [tok.SOT] + tok.encode(rec['text']) + [tok.EOT]
            n += 1
            if got != rec['ids']:
                ok = False
                print('TOKENIZER MISMATCH %r: got %r want %r' % (rec['text'], got, rec['ids']))
    print('tokenizer: %d vectors checked' % n)
    # Single-symbol id check from the spec: 'a</w>' is 320.
    if tok.encode('a') != [320]:
        ok = False
        print('TOKENIZER: "a" != [320]')
    # Padding: tokenize pads with zeros to 77.
    t = tok.tokenize(['a photo of a dog.'])
    if t.shape != (1, 77) or int(t[0, -1]) != 0 or int(t.argmax()) != t[0].tolist().index(tok.EOT):
        ok = False
        print('TOKENIZER: tokenize() padding wrong')
    # Blur taps of the spec (k=11, sigma=5).
    want = [0.06634167, 0.07942539, 0.09136095, 0.10096946, 0.10721307, 0.10937892]
    k1 = gaussian_kernel1d()
    if not np.allclose(k1[:6].numpy(), want, atol=1e-7) or not torch.equal(k1, k1.flip(0)):
        ok = False
        print('BLUR taps wrong: %r' % k1.tolist())
    # Reflect padding is mirror without repeating the edge (OpenCV BORDER_REFLECT_101).
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1, 3, 23, 31, generator=g)
    cv_ref = np.stack([cv2.GaussianBlur(x[0, c].numpy(), (11, 11), 5.0, borderType=cv2.BORDER_REFLECT_101)
                       for c in range(3)])
    if not np.allclose(gaussian_blur(x)[0].numpy(), cv_ref, atol=1e-5):
        ok = False
        print('BLUR does not match OpenCV BORDER_REFLECT_101')
    # PAMR affinity kernels: the neighbour order is (-d,-d),(-d,0),(-d,d),(0,-d),(0,d),(d,-d),(d,0),(d,d).
    img = torch.randn(1, 1, 40, 40, generator=g)
    cp = _local_affinity(img, _kernel_copy(), (8,))
    padded = F.pad(img, [8] * 4, mode='replicate')[0, 0]
    for j, (dy, dx) in enumerate(((-8, -8), (-8, 0), (-8, 8), (0, -8), (0, 8), (8, -8), (8, 0), (8, 8))):
        want = padded[8 + dy:8 + dy + 40, 8 + dx:8 + dx + 40]
        if not torch.equal(cp[0, 0, j], want):
            ok = False
            print('PAMR copy kernel %d is not the shift (%d,%d)' % (j, dy, dx))
    # PAMR: the gather form of the propagation equals the copy-kernel convolution bit for bit
    # (including images smaller than the dilation, where replicate padding repeats the border).
    for (h, w) in ((45, 61), (13, 20)):
        guide = torch.randn(1, 3, h, w, generator=g)
        mask = torch.randn(1, 11, h, w, generator=g)
        a = pamr(guide, mask, channel_chunk=4, use_conv=False)
        b = pamr(guide, mask, channel_chunk=11, use_conv=True)
        if not torch.equal(a, b):
            ok = False
            print('PAMR gather != conv (max diff %g) for %dx%d' % ((a - b).abs().max(), h, w))
    # safetensors writer/reader round trip and a tiny model: self-self rows sum to 2, fused
    # map rows sum to 2, non-224 crops get an interpolated positional embedding.
    import tempfile
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import write_tiny_checkpoint as wtc
    sd_np = wtc.make_state_dict(seed=3, layers=12)
    with tempfile.TemporaryDirectory() as tmp:
        for dt, npdt in (('f32', np.float32), ('f16', np.float16)):
            path = os.path.join(tmp, 'm.safetensors')
            wtc.write_safetensors(path, sd_np, dt)
            sd = load_safetensors(path)
            for k, v in sd_np.items():
                want = np.asarray(v).astype(npdt).astype(np.float32)
                if k not in sd or not np.array_equal(sd[k].numpy(), want):
                    ok = False
                    print('SAFETENSORS round trip (%s) wrong for %s' % (dt, k))
                    break
    model = ClipModel(sd)
    if (model.vision_layers, model.text_layers, model.vision_heads, model.grid_size,
            model.context_length, model.vocab_size, model.embed_dim) != (12, 12, 1, 14, 77, 49408, 32):
        ok = False
        print('MODEL shapes wrong: ' + model.describe())
    z = torch.randn(2, 197, model.vision_width, generator=g)
    rows = model._self_self_map(z, 'visual.transformer.resblocks.6', model.vision_heads).sum(-1)
    if not torch.allclose(rows, torch.full_like(rows, 2.0), atol=1e-5):
        ok = False
        print('SELF-SELF rows do not sum to 2')
    with torch.no_grad():
        out224 = model.encode_image_all(torch.randn(2, 3, 224, 224, generator=g))
        out_small = model.encode_image_all(torch.randn(1, 3, 100, 239, generator=g))
    if out224.shape != (2, 197, 32) or out_small.shape != (1, 1 + 6 * 14, 32):
        ok = False
        print('VIT output shapes wrong: %r %r' % (out224.shape, out_small.shape))
    pe = model.interpolate_pos_encoding(1 + 6 * 14, 100, 239)
    if pe.shape != (1, 85, model.vision_width) or not torch.isfinite(pe).all():
        ok = False
        print('POS-EMBED interpolation shape wrong: %r' % (pe.shape,))
    else:
        # Spec 1.4: separable cubic convolution (A = -0.75), source coordinate
        # (i + 0.5) * G / (n + 0.1) - 0.5, taps clamped to [0, G-1]; CLS row unchanged.
        def weights(n_out, g_in):
            w = np.zeros((n_out, g_in))
            for i in range(n_out):
                src = (i + 0.5) * g_in / (n_out + 0.1) - 0.5
                f = math.floor(src)
                t = src - f
                for k, dist in zip(range(-1, 3), (1 + t, t, 1 - t, 2 - t)):
                    a = -0.75
                    if dist <= 1:
                        c = ((a + 2) * dist - (a + 3)) * dist * dist + 1
                    else:
                        c = ((a * dist - 5 * a) * dist + 8 * a) * dist - 4 * a
                    w[i, min(max(f + k, 0), g_in - 1)] += c
            return w
        grid = sd['visual.positional_embedding'][1:].numpy().astype(np.float64).reshape(14, 14, -1)
        want = np.einsum('ri,cj,ijd->rcd', weights(6, 14), weights(14, 14), grid).reshape(84, -1)
        got = pe[0].numpy()
        if (not np.allclose(got[1:], want, atol=1e-5)
                or not np.array_equal(got[0], sd['visual.positional_embedding'][0].numpy())):
            ok = False
            print('POS-EMBED interpolation values differ from spec 1.4 (max %g)'
                  % np.abs(got[1:] - want).max())
    print('selftest: %s' % ('PASS' if ok else 'FAIL'))
    return 0 if ok else 1


def main(argv=None):
    shared = os.environ.get('ITACLIP_SHARED_DIR', '/work/shared')
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--threads', type=int, default=2, help='torch intra-op threads (default 2)')
    sub = p.add_subparsers(dest='cmd', required=True)

    def add_common(sp):
        sp.add_argument('--model', required=True, help='CLIP checkpoint: .safetensors with OpenAI names, or a TorchScript archive')
        sp.add_argument('--bpe', required=True, help='bpe_simple_vocab_16e6.txt.gz')
        sp.add_argument('--classes', required=True, help='class-name file (cls_*.txt)')
        sp.add_argument('--descriptions', default=None, help='LLM definitions/synonyms file')
        sp.add_argument('--templates', required=True, help='imagenet_templates.txt')
        sp.add_argument('--preset', required=True, choices=sorted(PRESETS))
        sp.add_argument('--verbose', action='store_true')
        sp.add_argument('--text-context', choices=('77', 'eot'), default='77',
                        help='text tower positions: all 77 (default, the literal method) or up to '
                             'the last end-of-text token of each batch (the same result, faster; '
                             'for runs at the real model size)')
        sp.add_argument('--text-cache', default=None,
                        help='optional .npz cache of the query embeddings (reused only when the '
                             'model, bpe, classes, templates, descriptions and preset match)')

    sp = sub.add_parser('segment', help='segment one image')
    add_common(sp)
    sp.add_argument('--image', required=True)
    sp.add_argument('--out-scores', required=True, help='float32 .npy [C, H0, W0]')
    sp.add_argument('--out-labels', required=True, help='label map .png (8-bit or 16-bit)')
    sp.add_argument('--set', action='append', metavar='KEY=VALUE',
                    help='override a preset setting: %s' % ', '.join(sorted(OVERRIDABLE)))

    sp = sub.add_parser('text-norms', help='print query text-embedding norms')
    add_common(sp)

    sp = sub.add_parser('selftest', help='tokenizer test vectors and internal checks')
    sp.add_argument('--bpe', default=os.path.join(shared, 'reference/clip/bpe_simple_vocab_16e6.txt.gz'))
    sp.add_argument('--vectors', default=os.path.join(shared, 'reference/clip/tokenizer_test_vectors.jsonl'))

    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.cmd == 'segment':
        return cmd_segment(args)
    if args.cmd == 'text-norms':
        return cmd_text_norms(args)
    return cmd_selftest(args)


if __name__ == '__main__':
    sys.exit(main())
