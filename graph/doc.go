// Package graph is how flux-vk networks are written and run. A network is
// plain Go calls on a Graph (x = g.Linear(x, g.Weight("img_in.weight"), …)),
// which record a list of operations on tensors. Executors run the list:
// the Vulkan executor plans activation memory by lifetime, uploads the
// weights once, and records the whole pass into one replayable command
// buffer of kernel dispatches (engine/kernels); the CPU executor runs the
// same list with the float64 reference ops of graph/ref, as a second
// opinion and for debugging.
//
// graph knows operations and shapes, not models: the FLUX, VAE, CLIP and T5
// networks live in package model.
package graph
