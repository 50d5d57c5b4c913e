package proto

// EntrySymbol is the linker flag's value that makes alshEntry (amd64) the
// binary's ELF entry, which in-place user namespaces need:
// go build -ldflags=-E=github.com/alsh/alsh/engine/internal/proto.alshEntry
const EntrySymbol = "github.com/alsh/alsh/engine/internal/proto.alshEntry"
