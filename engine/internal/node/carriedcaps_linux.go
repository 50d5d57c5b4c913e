package node

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// lowerCarried undoes what a proto-node raised only to keep its
// capabilities across its boot (carried=, see proto's protoCarryCaps):
// those ambient capabilities, and those inheritable ones. The node keeps
// them permitted and effective, as its proto-node had them; its programs
// inherit no more than they would have from the proto-node.
func lowerCarried(word string) {
	if len(word) != 40 {
		return
	}
	amb, err1 := strconv.ParseUint(word[:20], 10, 64)
	inh, err2 := strconv.ParseUint(word[20:], 10, 64)
	if err1 != nil || err2 != nil || amb|inh == 0 {
		return
	}
	for c := uintptr(0); c < 64; c++ {
		if amb&(1<<c) != 0 {
			unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_LOWER, c, 0, 0)
		}
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if unix.Capget(&hdr, &data[0]) != nil {
		return
	}
	data[0].Inheritable &^= uint32(inh)
	data[1].Inheritable &^= uint32(inh >> 32)
	unix.Capset(&hdr, &data[0])
}
