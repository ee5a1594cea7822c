// Package ref holds plain CPU reference implementations of every operation the
// FLUX networks (transformer, VAE, CLIP, T5) use.
//
// They are the ground truth the GPU compute shaders are tested against and the
// kernels of the CPU executor. Tensors are dense row-major []float32 with their
// shapes passed as ints; every sum is accumulated in float64 and rounded once to
// float32. Where the reference Python code itself computes in float32 (the
// sinusoidal timestep embedding, the T5 bucket formula), that is reproduced.
//
// Inconsistent shapes are programming errors, not user input: the functions
// panic with a message starting with "ref:". The package owns no state and
// never touches the GPU.
package ref
