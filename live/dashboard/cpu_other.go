//go:build !unix

package dashboard

import "time"

// processCPU returns 0 where getrusage is missing: the CPU chart stays
// flat.
func processCPU() time.Duration { return 0 }
