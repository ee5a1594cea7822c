# flux-vk: two commands on a fresh Debian/Ubuntu machine.
#   make demo   install what is needed, build flux-vk, and run it
#   make test   install what is needed and run the test suite on Mesa's
#               software Vulkan device with the validation layer on
# `make test TEST_ICD=` runs the tests on whatever device the loader picks.

TEST_ICD ?= /usr/share/vulkan/icd.d/lvp_icd.x86_64.json
GO ?= go

.PHONY: build demo test shaders check-shaders vet
build:
	tools/deps.sh
	$(GO) build -o flux-vk ./cmd/flux-vk

demo: build
	./flux-vk devices

test:
	tools/deps.sh --test
	tools/glslc.sh --check
	VK_ICD_FILENAMES=$(TEST_ICD) FLUXVK_VALIDATION=1 $(GO) test -count=1 -timeout 25m ./...
	@if grep -qs 'func FuzzParseHeader' loader/*_test.go; then \
		$(GO) test -run='^$$' -fuzz=FuzzParseHeader -fuzztime=20s ./loader; fi

shaders:
	tools/glslc.sh

vet:
	$(GO) vet ./...
