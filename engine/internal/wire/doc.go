// Package wire is the protocol between the driver and its nodes: the
// message header, the value codec, the error that crosses the socket, the
// bell's word, and recvmsg with the SCM_RIGHTS fds and credentials a
// message carries.
//
// Both sides import it, the driver (package engine) and the node (package
// node), and so does the proto-node, for its constants; it imports neither.
// It holds no process state, so it builds and runs under any instrumented
// test: go test -fuzz FuzzDecode ./engine/internal/wire/.
package wire
