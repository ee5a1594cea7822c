module github.com/flux-vk/flux-vk

go 1.26

require (
	github.com/go-gl/glfw/v3.3/glfw v0.0.0-20260823155953-d41da22a9587
	github.com/nlpodyssey/safetensors v0.0.0-20250209183917-bfb01cc25f7c
	github.com/rivo/uniseg v0.4.7
	github.com/vulkan-go/vulkan v0.0.0-20210402152248-956e3850d8f9
	golang.org/x/text v0.25.0
)

require github.com/stretchr/testify v1.10.0 // indirect
