# flux-vk: two commands on a fresh Debian/Ubuntu machine.
#   make demo   install what is needed, build flux-vk, and draw a few pictures with the built-in demo model
#   make test   install what is needed and run the test suite on Mesa's
#               software Vulkan device with the validation layer on
# `make test TEST_ICD=` runs the tests on whatever device the loader picks.

TEST_ICD ?= /usr/share/vulkan/icd.d/lvp_icd.x86_64.json
GO ?= go

.PHONY: build demo test shaders check-shaders vet
build:
	tools/deps.sh
	$(GO) build -o flux-vk ./cmd/flux-vk

# make demo: a few pictures from the built-in demo model (64x64, seconds on any device).
DEMO_OUT ?= /tmp/flux-vk-demo
DEMO_PROMPTS = "a red circle on the left, blue background" \
	"a large yellow star in the center, black background" \
	"two shapes: a green square on the left and a white ring on the right, purple background" \
	"a small pink triangle at the top, sky over grass"
demo: build
	./flux-vk devices
	@mkdir -p $(DEMO_OUT)
	@i=0; for p in $(DEMO_PROMPTS); do i=$$((i+1)); \
		./flux-vk generate --model demo -p "$$p" --seed 1 -o $(DEMO_OUT)/demo-$$i.png --force --quiet || exit 1; \
		echo "  $(DEMO_OUT)/demo-$$i.png  $$p"; done
	@echo "demo pictures written to $(DEMO_OUT)/ (built-in demo model; see README: The built-in demo model)"

test:
	tools/deps.sh --test
	tools/glslc.sh --check
	VK_ICD_FILENAMES=$(TEST_ICD) FLUXVK_VALIDATION=1 $(GO) test -count=1 -timeout 40m ./...
	@if grep -qs 'func FuzzParseHeader' loader/*_test.go; then \
		$(GO) test -run='^$$' -fuzz=FuzzParseHeader -fuzztime=20s ./loader; fi

shaders:
	tools/glslc.sh

vet:
	$(GO) vet ./...
