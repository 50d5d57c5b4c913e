package builtins

import (
	"maps"
	"slices"
	"strings"
	"sync"
)

// Errors that teach: for each call, the errno values its manual page
// lists, each with a one-line cause in alsh's terms (a node, its user
// namespace, its limits). help CALL lists them, and a failed call in a
// lesson shows its cause. errnoMeaning says what a name means in general
// (errno eperm).

// errnoMeaning is each errno's general meaning, for errno NAME.
var errnoMeaning = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"eperm":           "operation not permitted: the process lacks the privilege (a capability, ownership) that this action needs, whatever the file modes say",
		"enoent":          "no such file or directory: a path, or one of its directories, does not exist (as the process sees the filesystem: after chroot or in its mount namespace)",
		"esrch":           "no such process: no process (or process group) has that pid in the caller's pid namespace",
		"eintr":           "interrupted: a signal arrived while the call was waiting; the call may be retried",
		"eio":             "input/output error: the device or filesystem failed underneath",
		"e2big":           "argument list too long: argv and the environment together pass the kernel's limit for exec",
		"enoexec":         "exec format error: the file is not an executable the kernel knows (no ELF header, no #! line)",
		"ebadf":           "bad file descriptor: the fd is not open in this process, or not open for this use (reading a write-only fd)",
		"echild":          "no child processes: there is no child to wait for (or it was already reaped)",
		"eagain":          "resource temporarily unavailable: a limit is reached for now (processes, locks) or a non-blocking call would block",
		"enomem":          "cannot allocate memory: the kernel could not find memory, or a per-process or per-namespace limit on it was reached",
		"eacces":          "permission denied: the file modes (or an LSM such as landlock) deny this user the access asked for, or a directory on the path may not be searched",
		"efault":          "bad address: a pointer given to the kernel points outside the process's memory",
		"ebusy":           "device or resource busy: the thing is in use (a mounted filesystem, a mount point still holding mounts)",
		"eexist":          "file exists: the name is already taken",
		"exdev":           "invalid cross-device link: the two paths are on different mounts",
		"enodev":          "no such device: no driver or filesystem type of that name",
		"enotdir":         "not a directory: a component of the path that must be a directory is not one",
		"eisdir":          "is a directory: the action needs a file that is not a directory",
		"einval":          "invalid argument: a value, a flag or a combination of them makes no sense for this call",
		"enfile":          "too many open files in system: the whole system's limit on open files is reached",
		"emfile":          "too many open files: the process has reached its rlimit_nofile",
		"enotty":          "inappropriate ioctl for device: the fd is not the kind of file this request is for",
		"etxtbsy":         "text file busy: the file is being executed and may not be written, or is open for writing and may not be executed",
		"efbig":           "file too large: the write would pass rlimit_fsize or the filesystem's largest file",
		"enospc":          "no space left on device: the filesystem is full, or a count limit (of namespaces, of watches) is reached",
		"erofs":           "read-only file system: the file is on a mount that is read-only",
		"emlink":          "too many links: a file or directory has the most links its filesystem allows",
		"epipe":           "broken pipe: nobody reads the other end (and SIGPIPE was ignored)",
		"enametoolong":    "file name too long: the path or one of its names passes the kernel's limit",
		"enosys":          "function not implemented: this kernel has no such call (or seccomp made it look so)",
		"enotempty":       "directory not empty",
		"eloop":           "too many levels of symbolic links: following the links loops, or goes too deep",
		"eusers":          "too many users: a user namespace nesting or count limit is reached",
		"edquot":          "disk quota exceeded: the user's quota on that filesystem is used up",
		"enxio":           "no such device or address: the device file has no device behind it, or a fifo has no reader",
		"eoverflow":       "value too large for defined data type: the result does not fit the type the caller asked for",
		"eopnotsupp":      "operation not supported: the object exists but does not do that",
		"enotblk":         "block device required: the source of this mount must be a block device",
		"eafnosupport":    "address family not supported: the kernel has no such socket family",
		"eprotonosupport": "protocol not supported: the family has no such protocol",
		"enobufs":         "no buffer space available: the kernel is short of memory for sockets",
		"econnrefused":    "connection refused: nothing listens at that address",
		"enetunreach":     "network is unreachable: no route to that network (an empty network namespace has none)",
		"eaddrinuse":      "address already in use: another socket holds that address",
		"eisconn":         "transport endpoint is already connected",
		"etimedout":       "connection timed out",
		"elibbad":         "accessing a corrupted shared library: the ELF interpreter is damaged",
		"edestaddrreq":    "destination address required: the socket is not connected",
		"erange":          "result out of range: the answer does not fit the buffer given",
		"espipe":          "illegal seek: the fd is a pipe, socket or fifo, which has no offset",
		"enotsock":        "socket operation on non-socket: the fd is open on something that is not a socket",
		"eprototype":      "protocol wrong type for socket: the address is of a kind this socket cannot reach",
		"eaddrnotavail":   "cannot assign requested address: no interface of this network namespace has that address",
		"einprogress":     "operation now in progress: a non-blocking connect has started and will finish later",
		"ealready":        "operation already in progress: a non-blocking connect is still under way",
		"econnreset":      "connection reset by peer",
		"enetdown":        "network is down: the interface is down (a new network namespace's lo is, until set up)",
		"ehostunreach":    "no route to host",
		"enomsg":          "no message of desired type: for landlock, a ruleset or rule with no rights in it",
		"ebadfd":          "file descriptor in bad state: the fd is open, but not on the kind of object this call needs (a landlock ruleset)",
	}
})

// errCauses maps a call to errno to cause. The errnos are those the
// call's manual page lists, less those only a wrong pointer gives
// (efault: alsh makes the pointers). Built at its first use, as
// errnoMeaning is: every node is this binary, and building these maps
// at its start cost each node about 0.1 ms.
var errCauses = sync.OnceValue(func() map[string]map[string]string {
	return map[string]map[string]string{
		"fork": {
			"eagain": "the node hit a limit on processes: its rlimit_nproc (for its real uid), a pids cgroup's pids.max, or the system's threads-max or pid_max",
			"enomem": "the kernel found no memory for the new process, or the node's pid namespace has lost its init (pid 1) and takes no new processes",
		},
		"clone": {
			"eagain": "the node hit a limit on processes: rlimit_nproc, a pids cgroup's pids.max, threads-max or pid_max",
			"einval": "the flags do not go together (clone_newpid or clone_newuser with clone_thread, clone_newns with clone_fs…), or maps were given without clone_newuser",
			"enomem": "the kernel found no memory for the process or its namespaces, or the node's pid namespace has lost its init",
			"enospc": "a namespace limit is reached: nesting deeper than 32 pid or user namespaces, or /proc/sys/user/max_*_namespaces",
			"eperm":  "a new namespace other than a user namespace needs CAP_SYS_ADMIN in the node's user namespace, or the uid/gid map names ids the node may not map",
			"eusers": "the user namespace limit is reached (older kernels say eusers for what newer ones call enospc)",
		},
		"execvp": execCauses(),
		"execve": execCauses(),
		"kill": {
			"einval": "the signal number is not a valid signal",
			"eperm":  "the node may not signal that process: its real or effective uid matches neither the target's real nor saved uid, and it lacks CAP_KILL in the target's user namespace",
			"esrch":  "no process or process group with that pid exists in the node's pid namespace (it may have exited and been reaped)",
		},
		"sigaction": {
			"einval": "the signal is not valid, or is sigkill or sigstop, whose action no process may change",
		},
		"getrlimit": {
			"einval": "the resource is not a known rlimit",
		},
		"setrlimit": {
			"einval": "the resource is not known, or cur is above max",
			"eperm":  "raising the hard limit (max) needs CAP_SYS_RESOURCE, and rlimit_nofile may not pass /proc/sys/fs/nr_open",
		},
		"getgroups": {
			"einval": "the list of groups is longer than the buffer given (alsh asks for all of them, so this means a race with setgroups)",
		},
		"setgroups": {
			"einval": "more groups than NGROUPS_MAX (65536)",
			"enomem": "no memory for the group list",
			"eperm":  "the node lacks CAP_SETGID in its user namespace, or its user namespace's /proc/PID/setgroups says deny (as in a namespace mapped without root)",
		},
		"setuid": {
			"eagain": "the kernel could not allocate what a new real uid needs, or (before Linux 3.1) that uid has reached its rlimit_nproc",
			"einval": "the uid is not mapped in the node's user namespace",
			"eperm":  "the node lacks CAP_SETUID in its user namespace, and the uid is neither its real nor saved uid",
		},
		"setgid": {
			"einval": "the gid is not mapped in the node's user namespace",
			"eperm":  "the node lacks CAP_SETGID in its user namespace, and the gid is neither its real nor saved gid",
		},
		"setresuid": {
			"eagain": "the kernel could not allocate what a new real uid needs, or (before Linux 3.1) that uid has reached its rlimit_nproc",
			"einval": "one of the uids is not mapped in the node's user namespace",
			"eperm":  "the node lacks CAP_SETUID in its user namespace, and a new uid is none of its current real, effective or saved uids",
		},
		"setresgid": {
			"einval": "one of the gids is not mapped in the node's user namespace",
			"eperm":  "the node lacks CAP_SETGID in its user namespace, and a new gid is none of its current real, effective or saved gids",
		},
		"open": {
			"eacces":       "the file modes deny this access to the node's effective uid and groups, a directory on the path may not be searched, or o_creat in a directory it may not write",
			"ebusy":        "o_excl on a block device that is mounted or in use",
			"edquot":       "o_creat, and the user's quota of inodes or blocks is used up",
			"eexist":       "o_creat with o_excl, and the path exists",
			"efbig":        "the file is too large to open without o_largefile",
			"eintr":        "a signal arrived while waiting to open a slow device or a fifo",
			"einval":       "the flags are wrong (o_direct where not supported, o_tmpfile without write access) or the name has bytes the filesystem refuses",
			"eisdir":       "the path is a directory and the flags ask to write it",
			"eloop":        "too many symbolic links on the path, or o_nofollow and the last name is a link",
			"emfile":       "the node has rlimit_nofile files open already",
			"enametoolong": "the path is too long",
			"enfile":       "the system has as many open files as it allows",
			"enodev":       "the path is a device file with no device behind it",
			"enoent":       "a directory on the path does not exist, or the file does not and o_creat is not given (paths are seen from the node's root: after chroot, / is the jail)",
			"enomem":       "no kernel memory, or a fifo's pipe buffers are at their limit",
			"enospc":       "o_creat, and the filesystem has no room for a new file",
			"enotdir":      "a component of the path is not a directory, or o_directory and the path is not one",
			"enxio":        "a fifo opened write-only with o_nonblock and no reader, or a device file with no device",
			"eopnotsupp":   "the filesystem does not do o_tmpfile",
			"eoverflow":    "the file is too large for a 32-bit offset",
			"eperm":        "o_noatime on a file the node does not own, or the file is append-only, immutable or sealed",
			"erofs":        "write access to a file on a read-only mount",
			"etxtbsy":      "write access to an executable that runs, or a swap file",
			"eagain":       "o_nonblock, and the file holds an incompatible lease",
		},
		"read": {
			"eagain": "the fd is non-blocking and nothing is there to read yet",
			"ebadf":  "the fd is not open in the node, or not open for reading",
			"eintr":  "a signal arrived before anything was read",
			"einval": "the fd is not readable this way (an unaligned o_direct read, a timerfd with a small buffer)",
			"eio":    "an I/O error, or the node is in a background process group reading its terminal",
			"eisdir": "the fd is a directory (use readdir)",
		},
		"write": {
			"eagain":       "the fd is non-blocking and the write would block (a full pipe)",
			"ebadf":        "the fd is not open in the node, or not open for writing",
			"edestaddrreq": "a datagram socket with no peer set by connect",
			"edquot":       "the user's disk quota is used up",
			"efbig":        "the write passes rlimit_fsize (the node also gets sigxfsz) or the filesystem's largest file",
			"eintr":        "a signal arrived before anything was written",
			"einval":       "the fd is not writable this way (an unaligned o_direct write)",
			"eio":          "a low-level I/O error while writing",
			"enospc":       "the filesystem is full",
			"eperm":        "the file is sealed against writing",
			"epipe":        "the fd is a pipe or socket whose reading end is closed (and sigpipe is ignored)",
		},
		"close": {
			"ebadf":  "the fd is not open in the node",
			"eintr":  "a signal arrived while close waited; the fd is closed anyway",
			"eio":    "an I/O error surfaced from an earlier write",
			"enospc": "an earlier write could not be stored (network filesystems report it at close)",
			"edquot": "an earlier write passed the quota (network filesystems report it at close)",
		},
		"fcntl": {
			"eacces": "a lock is held by another process",
			"eagain": "a lock is held by another process, or the file is mapped",
			"ebadf":  "the fd is not open in the node, or not open in the mode a lock needs",
			"einval": "the command is not known, or f_dupfd's argument is negative or past rlimit_nofile",
			"emfile": "f_dupfd, and the node has rlimit_nofile files open",
			"eperm":  "f_setfl tried to clear o_append on an append-only file",
		},
		"chroot": {
			"eacces":       "a directory on the path may not be searched",
			"eio":          "an I/O error",
			"eloop":        "too many symbolic links on the path",
			"enametoolong": "the path is too long",
			"enoent":       "the directory does not exist, as the node sees the filesystem",
			"enomem":       "no kernel memory",
			"enotdir":      "a component of the path is not a directory",
			"eperm":        "the node lacks CAP_SYS_CHROOT in its user namespace",
		},
		"chdir": {
			"eacces":       "the directory, or one on the path to it, may not be searched",
			"eio":          "an I/O error",
			"eloop":        "too many symbolic links on the path",
			"enametoolong": "the path is too long",
			"enoent":       "the directory does not exist, as the node sees the filesystem",
			"enomem":       "no kernel memory",
			"enotdir":      "a component of the path is not a directory",
		},
		"mkdir": {
			"eacces":       "the parent directory may not be written, or one on the path searched",
			"edquot":       "the user's quota is used up",
			"eexist":       "the path exists already (as a file, directory or link)",
			"einval":       "the last name has bytes the filesystem refuses",
			"eloop":        "too many symbolic links on the path",
			"emlink":       "the parent has as many links (subdirectories) as its filesystem allows",
			"enametoolong": "the path is too long",
			"enoent":       "a directory on the path does not exist",
			"enomem":       "no kernel memory",
			"enospc":       "the filesystem is full",
			"enotdir":      "a component of the path is not a directory",
			"eperm":        "the filesystem does not allow directories to be made there",
			"erofs":        "the parent is on a read-only mount",
		},
		"rmdir": {
			"eacces":       "the parent may not be written, or one on the path searched",
			"ebusy":        "the directory is a mount point or a process's root",
			"einval":       "the last name is .",
			"eloop":        "too many symbolic links on the path",
			"enametoolong": "the path is too long",
			"enoent":       "the directory does not exist",
			"enomem":       "no kernel memory",
			"enotdir":      "the path, or a component of it, is not a directory",
			"enotempty":    "the directory holds entries other than . and ..",
			"eperm":        "the parent is sticky and the node owns neither it nor the directory, or the filesystem refuses",
			"erofs":        "the directory is on a read-only mount",
		},
		"unlink": {
			"eacces":       "the parent may not be written, or one on the path searched",
			"ebusy":        "the file is in use as a mount point",
			"eio":          "an I/O error",
			"eisdir":       "the path is a directory (use rmdir)",
			"eloop":        "too many symbolic links on the path",
			"enametoolong": "the path is too long",
			"enoent":       "the file does not exist",
			"enomem":       "no kernel memory",
			"enotdir":      "a component of the path is not a directory",
			"eperm":        "the parent is sticky and the node owns neither it nor the file, or the file is immutable or append-only",
			"erofs":        "the file is on a read-only mount",
		},
		"unshare": {
			"einval": "a flag is not known, or clone_newuser while the node has threads or shares its filesystem information",
			"enomem": "no kernel memory for the new namespaces",
			"enospc": "a namespace limit is reached: nesting deeper than 32, or /proc/sys/user/max_*_namespaces",
			"eperm":  "a namespace other than a user namespace needs CAP_SYS_ADMIN in the node's user namespace, or clone_newuser in a chroot",
			"eusers": "the user namespace limit is reached (older kernels)",
		},
		"setns": {
			"ebadf":  "the fd is not open",
			"einval": "the fd is not a namespace of the type asked for, or a multithreaded node joins a user namespace",
			"enomem": "no kernel memory",
			"eperm":  "the node lacks CAP_SYS_ADMIN in its own user namespace and the target's",
		},
		"sethostname": {
			"einval": "the name is longer than 64 bytes",
			"eperm":  "the node lacks CAP_SYS_ADMIN in the user namespace that owns its uts namespace",
		},
		"gethostname": {
			"enametoolong": "the name is longer than the buffer (alsh gives 65 bytes, which always suffices)",
		},
		"mount_setattr": {
			"ebadf":  "the directory fd is not open (a path relative to the node's cwd uses at_fdcwd)",
			"einval": "a flag or attribute the kernel does not know, or the attributes conflict (an idmapped mount of a mount that may not be one)",
			"enoent": "the path does not exist",
			"eperm":  "the node lacks CAP_SYS_ADMIN in the user namespace owning the mount, or the change would unlock a flag the kernel locked (ro, nosuid, nodev, noexec of a mount from a more privileged namespace)",
			"ebusy":  "making the mount read-only while a file on it is open for writing",
			"enomem": "no kernel memory",
			"enosys": "the kernel is older than 5.12 and has no mount_setattr",
		},
		"mount": {
			"eacces":       "a directory on a path may not be searched, or the source is on a mount with nodev",
			"ebusy":        "the source is mounted already, or a remount of a read-write mount with files open for writing",
			"einval":       "the flags do not go together, ms_move of a mount that is not one, or the target's propagation forbids it (a shared parent for ms_move)",
			"eloop":        "too many links on a path, or ms_move into itself",
			"emfile":       "the dummy device table is full",
			"enametoolong": "a path is too long",
			"enodev":       "the filesystem type is not known to the kernel",
			"enoent":       "the source or target does not exist",
			"enomem":       "no kernel memory",
			"enotblk":      "the filesystem needs a block device and the source is not one",
			"enotdir":      "the target, or a component of a path, is not a directory",
			"enxio":        "the block device's major number is out of range",
			"eperm":        "the node lacks CAP_SYS_ADMIN in the user namespace owning its mount namespace, or it would unlock a mount locked by a less privileged namespace",
			"erofs":        "a read-write mount of a read-only device",
		},
		"umount":  umountCauses(),
		"umount2": umountCauses(),
		"spawn": {
			"eagain": "the node hit a limit on processes: rlimit_nproc, a pids cgroup's pids.max, threads-max or pid_max",
			"enomem": "the kernel found no memory for the new process",
			"eperm":  "an option the child applies before exec needs privilege: chroot (CAP_SYS_CHROOT), or a uid or gid other than its own (CAP_SETUID, CAP_SETGID)",
			"enoent": "the program, or its ELF or #! interpreter, does not exist as the child sees the filesystem (after its chroot)",
			"eacces": "the program may not be executed: no execute bit for the child's ids, a noexec mount, or a directory on the path not searchable",
			"einval": "a limit in opts has cur above max, or the uid or gid is not mapped",
		},
		"fexecve": {
			"ebadf":   "the fd is not open in the node",
			"eacces":  "the file open on fd has no execute bit for the node's ids, or is on a noexec mount",
			"enoent":  "the program's ELF or #! interpreter does not exist as the node sees the filesystem (a #! script opened o_cloexec cannot find itself either)",
			"enoexec": "the file open on fd is not an executable the kernel knows",
			"e2big":   "argv and the environment are larger than the kernel allows",
			"enomem":  "no kernel memory",
			"etxtbsy": "the file is open for writing by some process",
		},
		"getsid": {
			"eperm": "the process is in another session, and the kernel does not tell (some systems)",
			"esrch": "no process has that pid in the node's pid namespace",
		},
		"getcwd": {
			"eacces":       "a directory above the working directory may not be read",
			"enametoolong": "the path of the working directory is longer than PATH_MAX",
			"enoent":       "the working directory was removed",
			"erange":       "the path does not fit the buffer (alsh gives PATH_MAX)",
		},
		"setenv": {
			"einval": "the name is empty or holds =",
			"enomem": "no memory for the environment",
		},
		"unsetenv": {
			"einval": "the name is empty or holds =",
		},
		"link": {
			"eexist":  "the new name exists already",
			"eperm":   "the old path is a directory, or protected_hardlinks forbids linking a file the node does not own",
			"exdev":   "the two paths are on different mounts (even two bind mounts of one filesystem)",
			"enoent":  "the old path, or a directory of the new one, does not exist",
			"eacces":  "the new name's directory may not be written, or a directory on a path searched",
			"emlink":  "the file has as many links as its filesystem allows",
			"enospc":  "the filesystem has no room for the new entry",
			"erofs":   "the file is on a read-only mount",
			"enotdir": "a component of a path is not a directory",
			"eloop":   "too many symbolic links on a path",
		},
		"symlink": {
			"eexist":       "the link's path exists already",
			"enoent":       "a directory of the link's path does not exist, or the target is empty",
			"eacces":       "the link's directory may not be written, or a directory on the path searched",
			"enospc":       "the filesystem has no room for the link",
			"erofs":        "the link's directory is on a read-only mount",
			"enotdir":      "a component of the link's path is not a directory",
			"enametoolong": "the path or the target is too long",
			"eperm":        "the filesystem does not do symbolic links",
		},
		"mkfifo": {
			"eexist":  "the path exists already",
			"enoent":  "a directory on the path does not exist",
			"eacces":  "the parent may not be written, or a directory on the path searched",
			"enospc":  "the filesystem has no room for the fifo",
			"erofs":   "the parent is on a read-only mount",
			"enotdir": "a component of the path is not a directory",
			"eperm":   "the filesystem does not do fifos",
		},
		"mknod": {
			"eexist":  "the path exists already",
			"enoent":  "a directory on the path does not exist",
			"eacces":  "the parent may not be written, or a directory on the path searched",
			"eperm":   "a device without cap_mknod (or in a user namespace), or a type the filesystem does not make",
			"einval":  "the mode's type is not one mknod makes (a directory, say: use mkdir)",
			"enospc":  "the filesystem has no room for the file",
			"erofs":   "the parent is on a read-only mount",
			"enotdir": "a component of the path is not a directory",
		},
		"readdir": {
			"eacces":  "the directory may not be read",
			"emfile":  "the node has rlimit_nofile files open, and opening the directory needs one more",
			"enfile":  "the system has as many open files as it allows",
			"enoent":  "the directory does not exist",
			"enomem":  "no memory",
			"enotdir": "the path is not a directory",
		},
		"lseek": {
			"ebadf":     "the fd is not open in the node",
			"einval":    "whence is not known, or the offset would be negative",
			"enxio":     "seek_data or seek_hole past the end of the file",
			"eoverflow": "the offset does not fit in 64 bits",
			"espipe":    "the fd is a pipe, socket or fifo",
		},
		"select": {
			"ebadf":  "an fd in a set is not open in the node",
			"eintr":  "a signal arrived while waiting",
			"einval": "an fd is at or above FD_SETSIZE (1024), or the timeout is negative",
			"enomem": "no memory for the kernel's tables",
		},
		"socket": {
			"eacces":          "the node may not make a socket of this type or protocol (a raw socket needs CAP_NET_RAW in the owning user namespace)",
			"eafnosupport":    "the kernel does not do this address family",
			"einval":          "the type or its flags are not known",
			"emfile":          "the node has rlimit_nofile files open",
			"enfile":          "the system has as many open files as it allows",
			"enobufs":         "no memory for the socket",
			"enomem":          "no memory for the socket",
			"eprotonosupport": "the family has no such protocol, or not for this type",
		},
		"connect": {
			"eacces":        "a Unix socket's file may not be written, or a directory on its path searched",
			"eaddrnotavail": "no local port is free, or the address is not there",
			"eafnosupport":  "the address is not of the socket's family",
			"ealready":      "a non-blocking connect is still under way",
			"ebadf":         "the fd is not open in the node",
			"econnrefused":  "nothing listens at the address (or a Unix socket's file has no listener)",
			"einprogress":   "the socket is non-blocking: the connect goes on; select for writing says when it is done",
			"eintr":         "a signal arrived while connecting",
			"eisconn":       "the socket is already connected",
			"enetunreach":   "no route to that network (a new network namespace has none)",
			"enoent":        "a Unix socket's path does not exist",
			"enotsock":      "the fd is not a socket",
			"eprototype":    "the address's socket is of another type (stream against datagram)",
			"etimedout":     "the peer did not answer in time",
		},
		"ioctl": {
			"ebadf":  "the fd is not open in the node",
			"einval": "the request or its argument is not valid for this file",
			"enotty": "the fd's file does not take this request (a terminal request on a pipe)",
			"eperm":  "the request needs a capability the node lacks",
		},
		"ptrace": {
			"ebusy":  "the tracee is already being traced by someone, or is not stopped for this request",
			"eio":    "the request is not known, or an address in the tracee is not readable",
			"einval": "an option is not valid",
			"eperm":  "the node may not trace that process: another user's, a set-user-id one, its own ancestor, or yama's ptrace_scope forbids it",
			"esrch":  "no such process, or it is not traced by the node, or not stopped",
		},
		"setproctitle": {
			"efault": "the title's memory is not readable (alsh gives its own, so this does not happen)",
		},
		"pivot_root": {
			"ebusy":   "new_root or put_old is the current root, or a mount is stacked there",
			"einval":  "new_root is not a mount point, put_old is not under new_root, or the current root's mount propagation is shared",
			"enotdir": "new_root or put_old is not a directory",
			"eperm":   "the node lacks CAP_SYS_ADMIN in the user namespace owning its mount namespace",
		},
		"seccomp": {
			"eacces":     "installing a filter needs CAP_SYS_ADMIN, or no_new_privs set first (prctl pr_set_no_new_privs)",
			"ebusy":      "a listener fd was asked for, but a filter with one is installed already",
			"einval":     "the operation or flags are not known, or the BPF program is empty, too long or invalid",
			"enomem":     "no memory for the filter, or all filters would pass 32768 instructions",
			"eopnotsupp": "the kernel does not know this action for seccomp_get_action_avail",
			"esrch":      "another thread could not be synchronised (seccomp_filter_flag_tsync)",
		},
		"prctl": {
			"eacces": "the option needs a capability or state the node lacks",
			"ebusy":  "the option's state is set and cannot change",
			"einval": "the option is not known, or its arguments are wrong for it",
			"eperm":  "the option needs a capability the node lacks (CAP_SETPCAP for the bounding set)",
		},
		"waitpid": {
			"echild": "the pid is not a child of the node, or it was already reaped (the node reaps exited children itself)",
			"eintr":  "a signal arrived while waiting",
			"einval": "the options are not valid",
		},
		"setpriority": {
			"eacces": "lowering the nice value needs CAP_SYS_NICE (or a high enough rlimit_nice)",
			"einval": "which is not prio_process, prio_pgrp or prio_user",
			"eperm":  "the target's uid is not the node's and it lacks CAP_SYS_NICE",
			"esrch":  "no process matches which and who",
		},
		"getpriority": {
			"einval": "which is not prio_process, prio_pgrp or prio_user",
			"esrch":  "no process matches which and who",
		},
		"setpgid": {
			"eacces": "the child has exec'd since fork",
			"einval": "the process group id is negative",
			"eperm":  "the process is a session leader, or the group is in another session",
			"esrch":  "the pid is neither the node nor one of its children",
		},
		"setsid": {
			"eperm": "the node already leads a process group: fork and call setsid in the child",
		},
		"fd_send": {
			"ebadf":  "the fd is not open in the sending process",
			"emfile": "the sending node has no fd number free for the copy it sends (rlimit_nofile)",
		},
		"fd_recv": {
			"ebusy":  "the target number is one of the node's own fds: choose 0, 1, 2 or a free number",
			"emfile": "the receiving node has no fd number free (rlimit_nofile): the fd was dropped on arrival",
			"ebadf":  "the target is past the receiving node's rlimit_nofile",
		},
		"pty": {
			"eperm":  "the node leads a process group, as the root does, so it cannot start a session: fork and call pty in the child",
			"enotty": "what came with the call is not a terminal",
		},
		"chmod": {
			"eacces":       "a directory on the path may not be searched",
			"eio":          "an I/O error",
			"eloop":        "too many symbolic links on the path",
			"enametoolong": "the path is too long",
			"enoent":       "the file does not exist",
			"enomem":       "no kernel memory",
			"enotdir":      "a component of the path is not a directory",
			"eperm":        "the node's effective uid does not own the file and it lacks CAP_FOWNER, or the file is immutable",
			"erofs":        "the file is on a read-only mount",
		},
		"chown": {
			"eacces":       "a directory on the path may not be searched",
			"eio":          "an I/O error",
			"eloop":        "too many symbolic links on the path",
			"enametoolong": "the path is too long",
			"enoent":       "the file does not exist",
			"enomem":       "no kernel memory",
			"enotdir":      "a component of the path is not a directory",
			"eperm":        "changing the owner needs CAP_CHOWN; changing the group needs ownership and membership of the new group",
			"erofs":        "the file is on a read-only mount",
		},
		// capabilities (capget(2), capset(2), prctl(2))
		"capget": {
			"einval": "the kernel does not know the header's version (alsh gives version 3, known since Linux 2.6.26)",
		},
		"capset": {
			"einval": "the kernel does not know the header's version (alsh gives version 3)",
			"eperm":  "the new sets ask for more than the node holds: a permitted capability it lacks, an effective one not permitted, or an inheritable one outside its permitted set (without cap_setpcap) or its bounding set",
		},
		"capbset": {
			"einval": "a capability past the kernel's last: alsh asks only up to /proc/sys/kernel/cap_last_cap, so that file does not match the kernel",
		},
		"capbset_drop": {
			"einval": "a capability the kernel does not know (alsh leaves out those past cap_last_cap)",
			"eperm":  "the node lacks CAP_SETPCAP in its user namespace; the error names the capabilities dropped before it",
		},
		"capbset_keep": {
			"einval": "a capability the kernel does not know (alsh drops only up to cap_last_cap)",
			"eperm":  "the node lacks CAP_SETPCAP in its user namespace; the error names the capabilities dropped before it",
		},
		"ambient": {
			"einval": "the kernel is older than 4.3 and has no ambient capabilities",
		},
		"ambient_raise": {
			"einval": "a capability past the kernel's last (cap_last_cap), or a kernel older than 4.3",
			"eperm":  "the capability is not in both the node's permitted and inheritable sets, or the securebit secbit_no_cap_ambient_raise is set",
		},
		"ambient_lower": {
			"einval": "a capability past the kernel's last (cap_last_cap), or a kernel older than 4.3",
		},
		"ambient_clear": {
			"einval": "the kernel is older than 4.3 and has no ambient capabilities",
		},
		"securebits_set": {
			"eperm": "the node lacks CAP_SETPCAP in its user namespace, a bit is not a known secbit, or it would change a bit whose _locked bit is set",
		},
		"no_new_privs": {
			"einval": "the kernel is older than 3.5 and has no no_new_privs",
		},
		"cap_last_cap": {
			"einval": "/proc/sys/kernel/cap_last_cap cannot be read (no /proc, as in a chroot) and prctl PR_CAPBSET_READ answers for no capability either (a seccomp filter refusing prctl)",
		},
		// seccomp(2), as seccomp_load calls it
		"seccomp_load": {
			"eacces": "the node has neither no_new_privs (call no_new_privs first) nor CAP_SYS_ADMIN in its user namespace",
			"einval": "the kernel refuses the program or a flag the profile asks for (seccomp_filter_flag_log before Linux 4.14, spec_allow before 4.17)",
			"enomem": "no kernel memory, or the filters stacked on the node (each seccomp_load adds one) would pass 32768 instructions together",
			"esrch":  "the profile asks for seccomp_filter_flag_tsync and another thread of the node has a filter the new one does not stack on: nothing was installed",
		},
		// Landlock (landlock_create_ruleset(2), landlock_add_rule(2), landlock_restrict_self(2))
		"landlock_abi": {
			"enosys":     "the kernel is older than 5.13 or built without Landlock",
			"eopnotsupp": "the kernel has Landlock but it was not enabled at boot (the lsm= list lacks landlock)",
		},
		"landlock_create_ruleset": {
			"einval":     "a right the kernel does not know (alsh names a right the running ABI lacks before the call)",
			"emfile":     "the node has rlimit_nofile files open",
			"enfile":     "the system has as many open files as it allows",
			"enomsg":     "no right is handled: the filesystem and network lists are both empty",
			"enosys":     "the kernel is older than 5.13 or built without Landlock",
			"eopnotsupp": "the kernel has Landlock but it was not enabled at boot",
		},
		"landlock_add_rule": {
			"eacces":  "a directory on the path may not be searched",
			"ebadf":   "the ruleset fd is not open in the node",
			"ebadfd":  "the fd is open but is not a Landlock ruleset",
			"einval":  "a right the ruleset does not handle: a rule may only allow rights its ruleset handles",
			"eloop":   "too many symbolic links on the path",
			"enoent":  "the path does not exist, as the node sees the filesystem",
			"enomsg":  "the list of rights is empty",
			"enotdir": "a component of the path is not a directory",
			"eperm":   "the ruleset fd is not open for writing",
		},
		"landlock_add_port": {
			"eafnosupport": "the kernel has no TCP/IP",
			"ebadf":        "the ruleset fd is not open in the node",
			"ebadfd":       "the fd is open but is not a Landlock ruleset",
			"einval":       "the port is past 65535, a right is one the ruleset does not handle, or the kernel's ABI is below 4 (no port rules)",
			"enomsg":       "the list of rights is empty",
			"eperm":        "the ruleset fd is not open for writing",
		},
		"landlock_restrict_self": {
			"e2big":      "the node is already under 16 rulesets, the most that may be stacked",
			"ebadf":      "the ruleset fd is not open in the node",
			"ebadfd":     "the fd is open but is not a Landlock ruleset",
			"eopnotsupp": "the kernel has Landlock but it was not enabled at boot",
			"eperm":      "the node has neither no_new_privs (call no_new_privs first) nor CAP_SYS_ADMIN in its user namespace, or the fd is not open for writing",
		},
		"landlock": {
			"e2big":      "the node is already under 16 rulesets, the most that may be stacked",
			"eacces":     "a directory on one of the paths may not be searched",
			"eloop":      "too many symbolic links on one of the paths",
			"emfile":     "the node has rlimit_nofile files open (the ruleset and each path need an fd a moment)",
			"enoent":     "one of the paths does not exist, as the node sees the filesystem",
			"enosys":     "the kernel is older than 5.13 or built without Landlock",
			"enotdir":    "a component of one of the paths is not a directory",
			"eopnotsupp": "the kernel has Landlock but it was not enabled at boot",
		},
		// cgroups: open, read, write, mkdir and rmdir on cgroupfs (cgroups(7),
		// the kernel's cgroup-v2.rst); each call first reads the node's
		// /proc/self/mountinfo.
		"cgroup_layout": {
			"eacces": "the node may not read /proc/self/mountinfo, /proc/self/cgroup or the v2 root's cgroup.controllers",
			"emfile": "the node has rlimit_nofile files open",
			"enoent": "/proc is not mounted where the node looks (a chroot, or a mount namespace without it)",
		},
		"cgroup_create": {
			"eacces": "the node may not write the parent cgroup's directory (a cgroup delegated to another user)",
			"eagain": "v2: the parent's cgroup.max.descendants or cgroup.max.depth is reached",
			"eexist": "the cgroup exists already in one of the hierarchies",
			"einval": "v1 cpuset: the parent's cpuset.cpus or cpuset.mems, copied to the new cgroup, are refused",
			"enoent": "/proc is not mounted where the node looks, so the hierarchies cannot be found",
			"enomem": "no kernel memory",
			"enospc": "v1 cpuset: the parent has no cpus or mems to give the new cgroup",
			"erofs":  "the cgroup filesystem is mounted read-only (as in many containers)",
		},
		"cgroup_set": {
			"eacces":     "the file's modes deny the node writing it (a delegated cgroup's files are its owner's)",
			"ebusy":      "v2: the cgroup has processes and cannot enable controllers for its children; v1 memory: the limit is below what the cgroup uses now",
			"einval":     "the value is not one the file takes (\"16Q\" for memory.max, an unknown controller in cgroup.subtree_control, cpus outside the parent's cpuset), or the file is read-only",
			"enoent":     "the cgroup does not exist, or the controller is not in its parent's cgroup.controllers",
			"enospc":     "v1 cpuset: emptying cpuset.cpus or cpuset.mems of a cgroup that has processes",
			"eopnotsupp": "v2: the controller cannot be enabled in a threaded subtree, or the cgroup.type change is refused",
			"erofs":      "the cgroup filesystem is mounted read-only",
		},
		"cgroup_get": {
			"eacces": "the node may not read the file",
			"einval": "the file can only be written (cgroup.kill)",
			"enoent": "the cgroup does not exist, or (v2) the controller is not enabled for it: cgroup_set on one of its files enables it",
		},
		"cgroup_add": {
			"eacces":     "the node may not write cgroup.procs: v2 needs write access to the common ancestor of both cgroups; v1, to own the process or be root",
			"ebusy":      "v2: the cgroup enables controllers for its children (cgroup.subtree_control), and such a cgroup holds no processes",
			"einval":     "the pid names a kernel thread, or a negative pid",
			"enoent":     "the cgroup does not exist, or lies outside the node's cgroup namespace",
			"enospc":     "v1 cpuset: the cgroup's cpuset.cpus or cpuset.mems is empty",
			"eopnotsupp": "v2: the move would break the rules of a threaded subtree",
			"esrch":      "no process has that pid in the node's pid namespace",
		},
		"cgroup_procs": {
			"eacces": "the node may not read the cgroup's cgroup.procs",
			"enoent": "the cgroup does not exist in any hierarchy, or /proc is not mounted where the node looks",
		},
		"cgroup_delete": {
			"eacces": "the node may not write the parent's directory, or the cgroup's cgroup.procs",
			"ebusy":  "processes are still there 5 seconds after SIGKILL (a v1 freezer cgroup that stays frozen, a process in uninterruptible sleep), or a child cgroup was made meanwhile",
			"enoent": "the cgroup does not exist in any hierarchy",
			"erofs":  "the cgroup filesystem is mounted read-only",
		},
		// rtnetlink(7) and netdevice(7): each call opens a netlink socket in
		// the node's network namespace, then asks the kernel.
		"link_list": {
			"emfile":  "the node has rlimit_nofile files open, and the netlink socket needs one more",
			"enobufs": "no kernel memory for the netlink socket or its answers",
		},
		"link_up": {
			"emfile": "the node has rlimit_nofile files open, and the netlink socket needs one more",
			"enodev": "the interface went away between alsh finding it and changing it",
			"eperm":  "the node lacks CAP_NET_ADMIN in the user namespace owning its network namespace",
		},
		"link_down": {
			"emfile": "the node has rlimit_nofile files open, and the netlink socket needs one more",
			"enodev": "the interface went away between alsh finding it and changing it",
			"eperm":  "the node lacks CAP_NET_ADMIN in the user namespace owning its network namespace",
		},
		"addr_add": {
			"eacces":       "IPv6 is disabled on that interface (its disable_ipv6 is 1)",
			"eafnosupport": "the kernel has no IPv6",
			"eexist":       "the interface has that address already",
			"einval":       "the kernel refuses that address or prefix on this interface",
			"enodev":       "the interface went away between alsh finding it and changing it",
			"eperm":        "the node lacks CAP_NET_ADMIN in the user namespace owning its network namespace",
		},
		"veth_add": {
			"eexist":     "an interface of the node's network namespace has one of the names already",
			"einval":     "the kernel refuses a name (. and .. are names it keeps)",
			"enomem":     "no kernel memory for the pair",
			"eopnotsupp": "the kernel has no veth driver (the module is not there to load)",
			"eperm":      "the node lacks CAP_NET_ADMIN in the user namespace owning its network namespace",
		},
		"link_netns": {
			"eexist": "the target network namespace has an interface of that name already",
			"einval": "the interface may not leave its namespace (lo, or one marked netns-local)",
			"enodev": "the interface went away between alsh finding it and moving it",
			"eperm":  "the node lacks CAP_NET_ADMIN in the user namespace owning its own network namespace or the target's",
			"esrch":  "no process has that pid in the node's pid namespace",
		},
		// pidfd_open(2), pidfd_send_signal(2), pidfd_getfd(2)
		"pidfd_open": {
			"einval": "the flags are not known, or the pid is not positive",
			"emfile": "the node has rlimit_nofile files open",
			"enfile": "the system has as many open files as it allows",
			"enodev": "the kernel cannot make the anonymous inode a pidfd lives on",
			"enomem": "no kernel memory",
			"enoent": "the pid is a thread other than its process's leader, and pidfd_thread is not given",
			"esrch":  "no process has that pid in the node's pid namespace (it may have exited and been reaped)",
		},
		"pidfd_send_signal": {
			"ebadf":  "the fd is not open in the node, or is not a pidfd",
			"einval": "the signal or flags are not valid, or the node's pid namespace cannot reach the target's",
			"eperm":  "the node may not signal that process (the rules of kill: matching uids or CAP_KILL)",
			"esrch":  "the process has exited and been reaped",
		},
		"pidfd_getfd": {
			"ebadf":  "the pidfd is not open in the node, or targetfd is not open in the target process",
			"emfile": "the node has rlimit_nofile files open",
			"enfile": "the system has as many open files as it allows",
			"eperm":  "the node may not ptrace the target (ptrace_mode_attach_realcreds: another user's process, or yama's ptrace_scope)",
			"esrch":  "the process has exited: a zombie has no fds left",
		},
	}
})

// execCauses and umountCauses are functions, called by errCauses only,
// so that a node's start builds neither.
func execCauses() map[string]string {
	return map[string]string{
		"e2big":        "argv and the environment are larger than the kernel allows (a quarter of the stack rlimit)",
		"eacces":       "the file is not a regular file, has no execute bit for the node's ids, is on a noexec mount, or a directory on the path may not be searched",
		"einval":       "the ELF file names more than one interpreter",
		"eio":          "an I/O error reading the file",
		"eisdir":       "the ELF interpreter is a directory",
		"elibbad":      "the ELF interpreter is not in a format the kernel knows",
		"eloop":        "too many symbolic links on the path, or the #! interpreters nest too deep",
		"emfile":       "the node has rlimit_nofile files open",
		"enametoolong": "the path is too long",
		"enfile":       "the system has as many open files as it allows",
		"enoent":       "the file, or its ELF interpreter (the dynamic loader) or #! interpreter, does not exist, as the node sees the filesystem (in a chroot, a dynamic program finds no /lib)",
		"enoexec":      "the file is not an executable the kernel knows (no ELF header, no #! line)",
		"enomem":       "no kernel memory",
		"enotdir":      "a component of the path (or the interpreter's) is not a directory",
		"eperm":        "the file is set-user-id on a nosuid mount, the node is traced, or an LSM forbids it",
		"etxtbsy":      "the file is open for writing by some process",
	}
}

func umountCauses() map[string]string {
	return map[string]string{
		"eagain":       "mnt_expire marked the mount for expiry; call again to unmount it",
		"ebusy":        "the mount is in use: files open on it, a process's cwd or root in it, or mounts below it",
		"einval":       "the target is not a mount point, the mount is locked (mounted by a more privileged namespace), or the flags are wrong",
		"enametoolong": "the path is too long",
		"enoent":       "the target does not exist",
		"enomem":       "no kernel memory",
		"eperm":        "the node lacks CAP_SYS_ADMIN in the user namespace owning its mount namespace",
	}
}

// neverFail are calls that fail with no errno: their manual page lists
// none, or the node answers them itself with alsh's own errors. Built at
// its first use, as errCauses.
var neverFail = sync.OnceValue(func() map[string]bool {
	return map[string]bool{
		"getpid": true, "getppid": true, "getuid": true, "geteuid": true,
		"getgid": true, "getegid": true, "getresuid": true, "getresgid": true,
		"getpgrp": true, "exit": true, "constant": true, "errno": true,
		// answered by the node itself, with alsh's own errors, not errnos
		"getopt": true, "setopt": true, "version": true, "filter": true, "alloc": true,
		"environ": true, "getenv": true, "clearenv": true,
		// prctl(2) lists no error for PR_GET_SECUREBITS
		"securebits": true,
		// compile without a syscall that can fail: the bounding set a Docker
		// profile reads is asked only of capabilities the kernel has
		"seccomp_compile": true, "seccomp_disasm": true, "seccomp_groups": true,
	}
})

// ErrnoCause is one error a call may fail with, and why.
type ErrnoCause struct {
	Errno string // eperm
	Cause string
}

// ErrnoCauses lists the errors call may fail with, by errno name; ok
// says whether alsh knows them (a call that never fails has none).
func ErrnoCauses(call string) (causes []ErrnoCause, ok bool) {
	m, ok := errCauses()[call]
	if !ok {
		return nil, neverFail()[call]
	}
	for _, e := range slices.Sorted(maps.Keys(m)) {
		causes = append(causes, ErrnoCause{e, m[e]})
	}
	return causes, true
}

// Cause is why call failed with the errno named, if alsh knows.
func Cause(call, errno string) (string, bool) {
	c, ok := errCauses()[call][strings.ToLower(errno)]
	return c, ok
}

// ErrnoMeaning is what an errno name means for any call.
func ErrnoMeaning(name string) (string, bool) {
	m, ok := errnoMeaning()[strings.ToLower(name)]
	return m, ok
}
