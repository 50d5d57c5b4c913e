package proto

// EntrySymbol names alshEntry for the linker. A binary need not be linked
// with it: the root node makes every node enter through alshEntry by
// patching the entry address of its sealed copy of the binary (HookCopy).
// Linking with go build -ldflags=-E=EntrySymbol gives the binary that
// entry itself, which changes nothing else.
const EntrySymbol = "github.com/alsh/alsh/engine/internal/proto.alshEntry"
