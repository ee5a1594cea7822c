package ref

import (
	"fmt"
	"runtime"
	"sync"
)

// minChunk keeps tiny ops on the calling goroutine: below it the cost of
// starting goroutines outweighs the work.
const minChunk = 4

// parallelFor splits [0, n) into one contiguous chunk per CPU and runs
// fn(lo, hi) on each concurrently.
func parallelFor(n int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > n/minChunk {
		workers = n / minChunk
	}
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// need panics with a "ref:" message when a shape invariant is violated.
func need(ok bool, format string, args ...any) {
	if !ok {
		panic(fmt.Sprintf("ref: "+format, args...))
	}
}
