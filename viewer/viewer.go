// Package viewer shows pictures in a window while they are made: each
// sampling step's preview, then the finished picture. It presents through
// the engine's own Vulkan device — a GLFW window, a swapchain, one copy per
// frame, no graphics pipeline — so it works wherever the engine does and a
// window system is running.
package viewer

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"

	"github.com/go-gl/glfw/v3.3/glfw"
	vk "github.com/vulkan-go/vulkan"

	"github.com/flux-vk/flux-vk/engine"
)

// GLFW must be called from the program's main thread: init runs there, and
// locking keeps the main goroutine on it.
func init() { runtime.LockOSThread() }

// Frame is one picture to show.
type Frame struct {
	RGB   []byte // W·H·3 bytes, rows top to bottom
	W, H  int
	Title string // the window's title while it is shown
}

// Window is the viewer's window and the device presenting to it.
type Window struct {
	win  *glfw.Window
	dev  *engine.Device
	sc   *engine.Swapchain
	show *Frame // what the window shows (drawn again after a resize)
}

// ErrNoDisplay says there is no window system to open a window on.
var ErrNoDisplay = errors.New("no display to open the viewer on")

// Open makes a window of about w×h screen pixels and opens the engine's
// device with it (opts.Present is set here). It must be called from the
// main goroutine.
func Open(title string, w, h int, opts engine.Options) (*Window, error) {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return nil, fmt.Errorf("%w: DISPLAY is not set (run without --view, or under a desktop session or xvfb-run)", ErrNoDisplay)
	}
	if err := glfw.Init(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDisplay, err)
	}
	if !glfw.VulkanSupported() {
		glfw.Terminate()
		return nil, fmt.Errorf("the window system offers no Vulkan surface (GLFW found no Vulkan loader)")
	}
	glfw.WindowHint(glfw.ClientAPI, glfw.NoAPI)
	win, err := glfw.CreateWindow(w, h, title, nil, nil)
	if err != nil {
		glfw.Terminate()
		return nil, fmt.Errorf("open the viewer's window: %w", err)
	}
	win.SetKeyCallback(func(win *glfw.Window, key glfw.Key, _ int, action glfw.Action, _ glfw.ModifierKey) {
		if action == glfw.Press && (key == glfw.KeyEscape || key == glfw.KeyQ) {
			win.SetShouldClose(true)
		}
	})
	opts.Present = &engine.Present{
		InstanceExtensions: win.GetRequiredInstanceExtensions(),
		Surface: func(inst vk.Instance) (vk.Surface, error) {
			p, err := win.CreateWindowSurface(inst, nil)
			if err != nil {
				return vk.NullSurface, err
			}
			return vk.SurfaceFromPointer(p), nil
		},
	}
	dev, err := engine.Open(opts)
	if err != nil {
		win.Destroy()
		glfw.Terminate()
		return nil, err
	}
	return &Window{win: win, dev: dev}, nil
}

// Device is the device the networks run on (and the window presents with).
func (w *Window) Device() *engine.Device { return w.dev }

// Run calls work on another goroutine with a show function, and shows each
// frame it sends on the calling goroutine (the main one), which also keeps
// the window responsive. show waits until the window has taken the
// previous frame, so every frame is shown; once the window is closed it
// returns at once and work goes on without it. Run returns when work has
// returned and its last frame is on screen — with hold, only once the
// window is closed too (Esc, q or the close button). It gives work's error
// and how many frames were shown.
func (w *Window) Run(work func(show func(Frame)) error, hold bool) (shown int, err error) {
	frames := make(chan Frame)
	closed := make(chan struct{})
	var once sync.Once
	closeWin := func() { once.Do(func() { close(closed); w.win.Hide() }) }
	done := make(chan error, 1)
	go func() {
		done <- work(func(f Frame) {
			select {
			case frames <- f:
				glfw.PostEmptyEvent()
			case <-closed:
			}
		})
		glfw.PostEmptyEvent()
	}()
	var workErr error
	working, dirty := true, false
	for {
		glfw.WaitEventsTimeout(0.05)
		if w.win.ShouldClose() {
			closeWin()
		}
		select {
		case <-closed:
		default:
			if !dirty {
				select {
				case f := <-frames:
					w.show, dirty = &f, true
					if f.Title != "" {
						w.win.SetTitle(f.Title)
					}
				default:
				}
			}
			if dirty || w.resized() {
				drawn, err := w.draw()
				if err != nil {
					closeWin()
					workErr = errors.Join(workErr, fmt.Errorf("viewer: %w", err))
				}
				if drawn && dirty {
					shown++
				}
				dirty = dirty && !drawn
			}
		}
		if working {
			select {
			case err := <-done:
				workErr, working = errors.Join(err, workErr), false
			default:
			}
		}
		if !working && (workErr != nil || !dirty && (!hold || isClosed(closed))) { // an error does not wait for the window

			return shown, workErr
		}
	}
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// resized reports whether the framebuffer no longer matches the swapchain.
func (w *Window) resized() bool {
	fw, fh := w.win.GetFramebufferSize()
	return w.sc == nil || w.sc.W != fw || w.sc.H != fh
}

// draw shows the current frame fitted into the window; false means "not
// now" (the device is busy, the window minimised): try again.
func (w *Window) draw() (bool, error) {
	if w.show == nil {
		return true, nil
	}
	if w.resized() {
		w.sc.Close()
		w.sc = nil
		fw, fh := w.win.GetFramebufferSize()
		sc, err := w.dev.NewSwapchain(fw, fh)
		if errors.Is(err, engine.ErrResized) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		w.sc = sc
	}
	ok, err := w.sc.Show(Fit(w.show.RGB, w.show.W, w.show.H, w.sc.W, w.sc.H))
	if errors.Is(err, engine.ErrResized) {
		w.sc.Close()
		w.sc = nil
		return ok, nil
	}
	return ok, err
}

// Close frees the swapchain, the device and the window.
func (w *Window) Close() {
	w.sc.Close()
	w.dev.Close()
	w.win.Destroy()
	glfw.Terminate()
}
