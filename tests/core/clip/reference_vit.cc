#include "tests/core/clip/reference_vit.h"

#include <cmath>
#include <limits>

namespace itaclip::clip::reference {
namespace {

using checkpoint::ResidualBlockWeights;

at::Tensor Ln(const at::Tensor& x, const at::Tensor& g, const at::Tensor& b) {
  at::Tensor mean = x.mean(-1, true);
  at::Tensor var = (x - mean).pow(2).mean(-1, true);
  return (x - mean) / at::sqrt(var + 1e-5) * g + b;
}

at::Tensor Lin(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return at::mm(x, w.t()) + b;
}

at::Tensor RowSoftmax(const at::Tensor& s) {
  at::Tensor e = at::exp(s - std::get<0>(s.max(-1, true)));
  return e / e.sum(-1, true);
}

struct Qkv {
  at::Tensor q, k, v;  // [L, width]
};

Qkv Project(const at::Tensor& x, const ResidualBlockWeights& blk) {
  at::Tensor z = Ln(x, blk.ln_1_weight, blk.ln_1_bias);
  const int64_t d = x.size(1);
  at::Tensor wq = blk.in_proj_weight.slice(0, 0, d), wk = blk.in_proj_weight.slice(0, d, 2 * d),
             wv = blk.in_proj_weight.slice(0, 2 * d, 3 * d);
  at::Tensor bq = blk.in_proj_bias.slice(0, 0, d), bk = blk.in_proj_bias.slice(0, d, 2 * d),
             bv = blk.in_proj_bias.slice(0, 2 * d, 3 * d);
  return {Lin(z, wq, bq), Lin(z, wk, bk), Lin(z, wv, bv)};
}

at::Tensor Head(const at::Tensor& t, int64_t h) { return t.slice(1, 64 * h, 64 * h + 64); }

// Per head: softmax(q qᵀ·0.125) + softmax(k kᵀ·0.125).
std::vector<at::Tensor> SelfSelf(const Qkv& p, int64_t heads) {
  std::vector<at::Tensor> maps;
  for (int64_t h = 0; h < heads; ++h) {
    at::Tensor qh = Head(p.q, h), kh = Head(p.k, h);
    maps.push_back(RowSoftmax(at::mm(qh, qh.t()) * 0.125) + RowSoftmax(at::mm(kh, kh.t()) * 0.125));
  }
  return maps;
}

at::Tensor Block(const at::Tensor& x, const ResidualBlockWeights& blk, int64_t heads,
                 const at::Tensor& mask) {
  Qkv p = Project(x, blk);
  std::vector<at::Tensor> outs;
  for (int64_t h = 0; h < heads; ++h) {
    at::Tensor s = at::mm(Head(p.q, h), Head(p.k, h).t()) * 0.125;
    if (mask.defined()) s = s + mask;
    outs.push_back(at::mm(RowSoftmax(s), Head(p.v, h)));
  }
  at::Tensor y = x + Lin(at::cat(outs, 1), blk.out_proj_weight, blk.out_proj_bias);
  at::Tensor hdn = Lin(Ln(y, blk.ln_2_weight, blk.ln_2_bias), blk.fc_weight, blk.fc_bias);
  hdn = hdn * at::sigmoid(1.702 * hdn);
  return y + Lin(hdn, blk.proj_weight, blk.proj_bias);
}

}  // namespace

at::Tensor ItaclipVision(const checkpoint::ClipWeights& w, const at::Tensor& image) {
  const auto& v = w.vision;
  const int64_t p = w.config.patch_size, width = w.config.vision_width;
  const int64_t gr = image.size(1) / p, gc = image.size(2) / p, heads = w.config.vision_heads;
  // Patch (r, c) flattened as [channel, dy, dx], dotted with conv1's [width, 3, p, p] kernels.
  at::Tensor patches =
      image.reshape({3, gr, p, gc, p}).permute({1, 3, 0, 2, 4}).reshape({gr * gc, 3 * p * p});
  at::Tensor tokens = at::mm(patches, v.conv1_weight.reshape({width, 3 * p * p}).t());
  at::Tensor x = at::cat({v.class_embedding.view({1, width}), tokens}, 0) + v.positional_embedding;
  x = Ln(x, v.ln_pre_weight, v.ln_pre_bias);
  const int64_t blocks = static_cast<int64_t>(v.blocks.size());
  std::vector<at::Tensor> mid(heads, at::zeros({x.size(0), x.size(0)}));
  int layer_count = 0;  // 1-based, incremented before the test, as in ITACLIP
  for (int64_t i = 0; i + 1 < blocks; ++i) {
    ++layer_count;
    if (layer_count == 7 || layer_count == 8 || layer_count == 10) {
      std::vector<at::Tensor> maps = SelfSelf(Project(x, v.blocks[i]), heads);
      for (int64_t h = 0; h < heads; ++h) mid[h] = mid[h] + maps[h] / 3.0;
    }
    x = Block(x, v.blocks[i], heads, at::Tensor());
  }
  const ResidualBlockWeights& last = v.blocks[blocks - 1];
  Qkv p_last = Project(x, last);
  std::vector<at::Tensor> last_maps = SelfSelf(p_last, heads);
  std::vector<at::Tensor> outs;
  for (int64_t h = 0; h < heads; ++h) {
    outs.push_back(at::mm(0.5 * last_maps[h] + 0.5 * mid[h], Head(p_last.v, h)));
  }
  x = x + Lin(at::cat(outs, 1), last.out_proj_weight, last.out_proj_bias);
  return at::mm(Ln(x, v.ln_post_weight, v.ln_post_bias), v.proj);
}

at::Tensor Text(const checkpoint::ClipWeights& w, const std::vector<int32_t>& ids) {
  const auto& t = w.text;
  const int64_t context = w.config.context_length;
  at::Tensor tokens = at::zeros({context}, at::kLong);
  int64_t eot = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    tokens[i] = ids[i];
    if (ids[i] > ids[eot]) eot = static_cast<int64_t>(i);
  }
  at::Tensor x = t.token_embedding.index_select(0, tokens) + t.positional_embedding;
  at::Tensor mask = at::zeros({context, context});
  for (int64_t r = 0; r < context; ++r) {
    for (int64_t c = r + 1; c < context; ++c) mask[r][c] = -std::numeric_limits<float>::infinity();
  }
  for (const ResidualBlockWeights& blk : t.blocks) x = Block(x, blk, w.config.text_heads, mask);
  x = Ln(x, t.ln_final_weight, t.ln_final_bias);
  return at::mm(x.slice(0, eot, eot + 1), t.text_projection)[0];
}

}  // namespace itaclip::clip::reference
