package engine

import "strings"

// bootScript is the first stage that ssh runs on the remote host with
// /bin/sh. Its arguments: the uname -m names this binary runs on, its
// sha256, its size, then the hub's words. It finds the binary in a
// private per-user cache, or asks for it on stdout (ALSH-SEND), reads
// exactly its size from stdin, checks its sha256, and only then moves it
// into the cache and runs it. Every failure is one ALSH-… line. A warm
// start runs two commands (uname, ls; id too where sh's test has no -O,
// which is not POSIX): each is a fork and exec on the host, whose CPU
// twenty hosts at once share.
const bootScript = `set -u
arches=$1 sum=$2 size=$3
shift 3
sysarch=$(uname -sm)
os=${sysarch%% *} arch=${sysarch##* }
if [ "$os" != Linux ]; then echo "ALSH-OS $os"; exit 1; fi
case " $arches " in *" $arch "*) ;; *) echo "ALSH-ARCH $arch"; exit 1;; esac
umask 077
dir=${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/alsh
owned() { case ${1-} in drwx------*) [ -O "$dir" ] 2>/dev/null || [ "${3-}" = "$(id -u)" ];; *) false;; esac; }
if ! owned $(ls -ldn "$dir" 2>/dev/null); then
	mkdir -p "$dir" 2>/dev/null && chmod 700 "$dir" || { echo "ALSH-ERR cannot make the cache folder $dir"; exit 1; }
	owned $(ls -ldn "$dir") || { echo "ALSH-ERR $dir is not a folder of uid $(id -u) with mode 0700"; exit 1; }
fi
bin=$dir/alsh-$sum
if [ ! -x "$bin" ]; then
	echo ALSH-SEND
	tmp=$dir/.recv.$$
	head -c "$size" >"$tmp" || { rm -f "$tmp"; echo "ALSH-ERR receiving the binary failed"; exit 1; }
	if command -v sha256sum >/dev/null 2>&1; then got=$(sha256sum "$tmp")
	elif command -v shasum >/dev/null 2>&1; then got=$(shasum -a 256 "$tmp")
	else got=$(openssl dgst -sha256 -r "$tmp" 2>/dev/null); fi
	got=${got%% *}
	if [ "$got" != "$sum" ]; then rm -f "$tmp"; echo "ALSH-ERR the binary received has sha256 $got, not $sum"; exit 1; fi
	chmod 700 "$tmp" && mv -f "$tmp" "$bin" || { rm -f "$tmp"; echo "ALSH-ERR cannot install $bin"; exit 1; }
fi
exec "$bin" "$@"
`

// unameNames are the uname -m names of the machines that a binary for
// goarch runs on.
func unameNames(goarch string) string {
	switch goarch {
	case "amd64":
		return "x86_64 amd64"
	case "arm64":
		return "aarch64 arm64 aarch64_be"
	case "386":
		return "i386 i486 i586 i686"
	case "arm":
		return "armv6l armv7l armv8l"
	case "loong64":
		return "loongarch64"
	}
	return goarch
}

// shellQuote quotes a word for the remote user's login shell, which
// reads the command ssh sends.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
