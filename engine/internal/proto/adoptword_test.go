package proto

import (
	"strings"
	"testing"
)

// AdoptWord, a constant written out, has a slot of adoptSlot zeros for
// each of the maxProtoKids children a proto-node keeps.
func TestAdoptWordHasASlotPerKid(t *testing.T) {
	slots, ok := strings.CutPrefix(AdoptWord, "adopt=")
	if !ok || len(slots) != maxProtoKids*adoptSlot {
		t.Fatalf("AdoptWord %q: want adopt= and %d slots of %d bytes", AdoptWord, maxProtoKids, adoptSlot)
	}
	if want := strings.Repeat("0000000000:0000000000,", maxProtoKids); slots != want {
		t.Fatalf("AdoptWord's slots %q, want %q", slots, want)
	}
}
