package engine

import (
	"os"
	"testing"

	"github.com/alsh/alsh/engine/internal/proto"
)

// RaceEnabled lets the external tests (package engine_test) skip what a
// race build cannot pass (noRaceBuild says why).
const RaceEnabled = proto.RaceEnabled

// UserEnv sets (or, given "", unsets) the test's variables before the
// engine starts, as the user's environment; the test puts them back.
func UserEnv(t *testing.T, vars map[string]string) {
	for name, v := range vars {
		old, had := os.LookupEnv(name)
		if v == "" {
			os.Unsetenv(name)
		} else {
			os.Setenv(name, v)
		}
		t.Cleanup(func() {
			if had {
				os.Setenv(name, old)
			} else {
				os.Unsetenv(name)
			}
		})
	}
}
