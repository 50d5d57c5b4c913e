package proto

import (
	"reflect"
	"testing"
	"unsafe"
)

// copyState copies a state's fields from its own ones (which a state
// keeps) to its stack: before the own fields lie only scratch buffers,
// the own fields lie together, and the stack is last.
func TestStateOwnFieldsTogether(t *testing.T) {
	scratch := map[string]bool{"buf": true, "out": true, "argv": true, "envv": true, "cand": true}
	own := map[string]bool{"nodeArgv": true, "argvOf": true, "nofile": true, "carried": true,
		"depth": true, "rootFlag": true, "adopt": true, "spare": true, "spareTaken": true}
	st := reflect.TypeOf(State{})
	for i := 0; i < st.NumField(); i++ {
		f := st.Field(i)
		word := f.Offset / wordSize
		switch {
		case word < ownFrom && !scratch[f.Name]:
			t.Errorf("field %s lies before the own fields, with the scratch buffers", f.Name)
		case word >= ownFrom && word < ownUntil && !own[f.Name]:
			t.Errorf("field %s lies among the own fields", f.Name)
		case word >= ownUntil && (own[f.Name] || scratch[f.Name]):
			t.Errorf("field %s lies after the own fields", f.Name)
		case word >= stackFrom && f.Name != "stack":
			t.Errorf("field %s lies after the stack", f.Name)
		}
	}
	if unsafe.Sizeof(State{})%wordSize != 0 {
		t.Errorf("a state is %d bytes, not whole words", unsafe.Sizeof(State{}))
	}
}

// copyState copies every field between the own ones and the stack, and
// leaves the own ones.
func TestCopyStateKeepsTheOwnFields(t *testing.T) {
	src, dst := new(State), new(State)
	src.nodeArgv, src.depth, src.adopt, src.spare, src.spareTaken = make([]*byte, 3), []byte("0001"), []byte("00"), src, true
	src.envN, src.maxChild, src.nodeEnv = 7, 9, make([]*byte, 2)
	own := []byte("0000")
	dst.depth = own
	copyState(dst, src)
	if dst.envN != 7 || dst.maxChild != 9 || len(dst.nodeEnv) != 2 {
		t.Errorf("not copied: envN %d maxChild %d nodeEnv %d", dst.envN, dst.maxChild, len(dst.nodeEnv))
	}
	if &dst.depth[0] != &own[0] || dst.nodeArgv != nil || dst.adopt != nil || dst.spare != nil || dst.spareTaken {
		t.Errorf("own fields copied over: depth %q nodeArgv %d adopt %q spare %v taken %v", dst.depth, len(dst.nodeArgv), dst.adopt, dst.spare != nil, dst.spareTaken)
	}
}
