// The moe-bank WebAssembly core: every export takes numbers (pointers into linear memory and
// sizes) and returns a number. See bindings/ for the only code that touches this memory.
export { alloc, free, memory_bytes } from "./mem";
export { build_flavor, abi_version } from "./build";
export {
  philox4x32_10, rng_init, rng_next_u32, rng_fill_u32, rng_uniform_f64, rng_fill_uniform_f64,
  rng_uniform_f32, rng_fill_uniform_f32, rng_below, rng_permutation, rng_sample, rng_bootstrap,
} from "./prng/philox";
export { exp, log, log1p, expm1, pow, log2, expf, logf, log1pf, expm1f, map_f64, map_f32 } from "./math/index";
export { select_row_stride, select_transpose, select_row_sums, select_work_bytes, select_samples, select_draws } from "./select/select";
export { scale_work_bytes, scale_runs, ismi_runs, cmi_runs } from "./select/scale";
export { hist_bootstrap, binomial_draws } from "./select/multinomial";
export { gemm, gemm_ref } from "./nn/gemm";
export { im2col, col2im, conv_weight_pack, conv2d_forward, conv2d_forward_indirect, conv_indirect_pack_bytes, conv2d_backward, conv2d_backward_indirect, conv_wgrad_pack_bytes, bias_grad, conv_indirect_pack, conv_indirect_packed, pad_copy } from "./nn/conv2d";
export { conv_relu_pool2_direct, conv_wgrad_direct } from "./nn/conv_direct";
export { maxpool2_forward, maxpool2_backward, maxpool2_forward_padded, flatten_forward, flatten_backward, maxpool2_flatten, maxpool2_relu_backward } from "./nn/maxpool";
export { relu_forward, relu_backward } from "./nn/relu";
export { dense_forward, dense_backward } from "./nn/dense";
export { softmax_xent_forward_backward, argmax_rows } from "./nn/softmax_xent";
export { adam_step } from "./nn/adam";
export { cnn_layout, cnn_workspace_bytes, cnn_init, cnn_forward, cnn_forward_experts, cnn_loss_grad, cnn_train_step, cnn_forward_train, cnn_backward_from_dz } from "./nn/cnn";
export { peak_f32x4, peak_flops_per_iter } from "./nn/peak";
export { gate_loss_forward_backward } from "./nn/gate_loss";
export { ba_stride, ba_setup, ba_eval, ba_setup_f64 } from "./routing/ba";
export { ba_table_len, ba_patterns } from "./routing/patterns";
export { ba_workspace_bytes } from "./routing/workspace";
export { ba_solve } from "./routing/solvers";
export { ba_gate_stats, ba_gate, ba_gate_stats_f64, routing_information } from "./routing/gate_stats";
