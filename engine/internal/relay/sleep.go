package relay

import "time"

func sleepBriefly() { time.Sleep(time.Millisecond) }
