package engine

import "github.com/alsh/alsh/engine/internal/proto"

// RaceEnabled lets the external tests (package engine_test) skip what a
// race build cannot pass (noRaceBuild says why).
const RaceEnabled = proto.RaceEnabled
