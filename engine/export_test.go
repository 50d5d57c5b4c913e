package engine

// RaceEnabled lets the external tests (package engine_test) skip what a
// race build cannot pass (noRaceBuild says why).
const RaceEnabled = raceEnabled
