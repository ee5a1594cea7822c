// Package pipeline turns a prompt into a picture: tokenize, encode, noise, schedule, Euler
// sampling, decode. It owns the numerics that must match the reference bit for bit (PyTorch's
// CPU generator, the schedules), the packing of latents into image tokens and back, and the
// conversion of the decoded image into an 8-bit PNG carrying its generation parameters.
//
// Noise: TorchRandn reproduces torch.randn with a CPU generator (MT19937 plus PyTorch's
// Box-Muller kernels, including the bfloat16 path BFL's get_noise uses and the AVX2 float32
// kernel), so a seed gives the same picture as the reference tools. Schedules: Schedule is
// BFL's get_schedule evaluated in float32 the way PyTorch evaluates it.
package pipeline
