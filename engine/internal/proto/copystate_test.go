package proto

import (
	"reflect"
	"testing"
	"unsafe"
)

// copyState leaves a state's argv (the words from nodeArgv to adopt),
// which its proto-node writes in place: those fields, and only those,
// must lie together.
func TestStateArgvFieldsTogether(t *testing.T) {
	argv := map[string]bool{"nodeArgv": true, "argvOf": true, "nofile": true, "carried": true,
		"depth": true, "rootFlag": true, "adopt": true}
	st := reflect.TypeOf(State{})
	for i := 0; i < st.NumField(); i++ {
		f := st.Field(i)
		inside := f.Offset >= argvFrom*wordSize && f.Offset < argvUntil*wordSize
		if inside != argv[f.Name] {
			t.Errorf("field %s at %d: inside the argv words [%d, %d): %v", f.Name, f.Offset, argvFrom*wordSize, argvUntil*wordSize, inside)
		}
	}
	if unsafe.Sizeof(State{})%wordSize != 0 {
		t.Errorf("a state is %d bytes, not whole words", unsafe.Sizeof(State{}))
	}
}

// copyState copies every other field, and leaves the argv's.
func TestCopyStateKeepsTheArgv(t *testing.T) {
	src, dst := new(State), new(State)
	src.nodeArgv, src.depth, src.adopt = make([]*byte, 3), []byte("0001"), []byte("00")
	src.envN, src.maxChild, src.stack[len(src.stack)-1] = 7, 9, 'x'
	src.nodeEnv = make([]*byte, 2)
	own := []byte("0000")
	dst.depth = own
	copyState(dst, src)
	if dst.envN != 7 || dst.maxChild != 9 || dst.stack[len(dst.stack)-1] != 'x' || len(dst.nodeEnv) != 2 {
		t.Errorf("not copied: envN %d maxChild %d stack's last byte %q nodeEnv %d", dst.envN, dst.maxChild, dst.stack[len(dst.stack)-1], len(dst.nodeEnv))
	}
	if &dst.depth[0] != &own[0] || dst.nodeArgv != nil || dst.adopt != nil {
		t.Errorf("the argv was copied over: depth %q nodeArgv %d adopt %q", dst.depth, len(dst.nodeArgv), dst.adopt)
	}
}
