package builtins

import (
	"errors"
	"fmt"
	"strings"
)

// sysConstant looks a constant up by table and name, each a bare word or a
// string: constant [] clone clone_newpid.
func sysConstant(_ Node, a Args) (any, error) {
	tbl, err := wordArg("constant", a, 0, "table")
	if err != nil {
		return nil, err
	}
	name, err := wordArg("constant", a, 1, "name")
	if err != nil {
		return nil, err
	}
	v, err := Constant(tbl, name)
	var unknown *UnknownConstError
	switch {
	case errors.As(err, &unknown):
		return nil, &ArgError{Call: "constant", N: 2, Name: "name", Msg: err.Error()}
	case err != nil:
		return nil, &ArgError{Call: "constant", N: 1, Name: "table",
			Msg: err.Error() + " (tables: " + strings.Join(Tables(), ", ") + ")"}
	}
	return v, nil
}

func wordArg(call string, a Args, i int, name string) (string, error) {
	switch v := a.Value(i).(type) {
	case string:
		return v, nil
	case Const:
		return string(v), nil
	}
	return "", &ArgError{Call: call, N: i + 1, Name: name,
		Msg: fmt.Sprintf("want a name, got %s %s", TypeName(a.Value(i)), Format(a.Value(i)))}
}

// sysErrno names an errno number: errno [] 1 is "eperm".
func sysErrno(_ Node, a Args) (any, error) {
	if n, ok := ConstantName("errno", a.Int(0)); ok {
		return n, nil
	}
	return nil, &ArgError{Call: "errno", N: 1, Name: "errno", Msg: fmt.Sprintf("no errno %d", a.Int(0))}
}
