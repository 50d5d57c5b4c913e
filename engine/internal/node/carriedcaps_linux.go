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
	if len(word) != 60 {
		return
	}
	dropHeldBack(word[40:])
	amb, err1 := strconv.ParseUint(word[:20], 10, 64)
	inh, err2 := strconv.ParseUint(word[20:40], 10, 64)
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

// dropHeldBack makes the bounding-set drops its proto-node held back
// until its boot (proto's capDrop): the node, which kept every capability
// across the exec, now drops them as it would have.
func dropHeldBack(digits string) {
	drop, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return
	}
	for c := uintptr(0); c < 64; c++ {
		if drop&(1<<c) != 0 {
			unix.Prctl(unix.PR_CAPBSET_DROP, c, 0, 0, 0)
		}
	}
}
