package lang

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/alsh/alsh/builtins"
)

// dataBuiltins are the builtins on records, time, JSON and files.
func dataBuiltins() map[string]*builtin {
	return map[string]*builtin{
		"keys":       {usage: "keys RECORD", summary: "the field names of RECORD, sorted, as strings", example: "keys {cur: 1, max: 2}", fn: doKeys},
		"values":     {usage: "values RECORD", summary: "the values of RECORD's fields, in the order of keys", example: "values {cur: 1, max: 2}", fn: doValues},
		"has":        {usage: "has RECORD NAME", summary: "whether RECORD has the field NAME (a string or a constant)", example: `has {cur: 1} "cur"`, fn: doHas},
		"now":        {usage: "now", summary: "a monotonic clock in nanoseconds: only differences mean something", example: "now", fn: doNow},
		"to_json":    {usage: "to_json VALUE", summary: "VALUE as JSON (a string that is not UTF-8 becomes {\"$bytes\": BASE64})", example: `to_json {name: "a", ids: [1 2]}`, fn: doToJSON},
		"from_json":  {usage: "from_json STRING", summary: "the value STRING's JSON holds (numbers must be integers; null is ok)", example: `from_json "{\"cur\": 1}"`, fn: doFromJSON},
		"read_file":  {usage: "read_file PATH", summary: "the bytes of a file, read by alsh itself (not by a node)", example: `read_file "box.json"`, fn: doReadFile},
		"write_file": {usage: "write_file PATH STRING", summary: "write STRING to a file (created 0644 or truncated), by alsh itself (not by a node)", example: `write_file "/tmp/out.json" (to_json [1 2])`, fn: doWriteFile},
	}
}

func recordArg(c *Call, args []any, i int) (builtins.Record, error) {
	rec, ok := args[i].(builtins.Record)
	if !ok {
		return nil, usageError(c, "argument %d: want a record, got %s", i+1, describe(args[i]))
	}
	return rec, nil
}

func doKeys(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 1, 1); err != nil {
		return nil, err
	}
	rec, err := recordArg(c, args, 0)
	if err != nil {
		return nil, err
	}
	return strList(rec.Keys()), nil
}

func doValues(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 1, 1); err != nil {
		return nil, err
	}
	rec, err := recordArg(c, args, 0)
	if err != nil {
		return nil, err
	}
	keys := rec.Keys()
	return mapList(len(keys), func(i int) any { return rec[keys[i]] }), nil
}

func doHas(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 2, 2); err != nil {
		return nil, err
	}
	rec, err := recordArg(c, args, 0)
	if err != nil {
		return nil, err
	}
	name, ok := fieldName(args[1])
	if !ok {
		return nil, usageError(c, "argument 2: want a field name, got %s", describe(args[1]))
	}
	_, found := rec[name]
	return found, nil
}

// epoch is when alsh started; now counts from it on the monotonic clock.
var epoch = time.Now()

func doNow(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 0, 0); err != nil {
		return nil, err
	}
	return time.Since(epoch).Nanoseconds(), nil
}

func doToJSON(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 1, 1); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := writeJSON(&b, args[0]); err != nil {
		return nil, usageError(c, "%v", err)
	}
	return b.String(), nil
}

// bytesKey marks a JSON object that stands for a string that is not
// UTF-8: {"$bytes": BASE64}. No record field can have that name.
const bytesKey = "$bytes"

func writeJSON(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case builtins.Const:
		writeJSONString(b, string(v))
	case string:
		if !utf8.ValidString(v) {
			b.WriteString(`{"` + bytesKey + `":"` + base64.StdEncoding.EncodeToString([]byte(v)) + `"}`)
			return nil
		}
		writeJSONString(b, v)
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case builtins.Record:
		b.WriteByte('{')
		for i, k := range v.Keys() {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			if err := writeJSON(b, v[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("cannot write %s as JSON", describe(v))
	}
	return nil
}

// writeJSONString writes a UTF-8 string as JSON, without the HTML
// escapes encoding/json adds.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // a string always encodes
	b.Truncate(b.Len() - 1) // Encode's newline
}

func doFromJSON(r *run, c *Call, args []any) (any, error) {
	s, err := only[string](c, args, "want a JSON string")
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, usageError(c, "invalid JSON %s: %v", builtins.Quote(shorten(s).(string)), jsonError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, usageError(c, "invalid JSON %s: more after the value", builtins.Quote(shorten(s).(string)))
	}
	v, err := fromJSON(raw)
	if err != nil {
		return nil, usageError(c, "%v", err)
	}
	return v, nil
}

// jsonError words the decoder's error, with where it stopped.
func jsonError(err error) string {
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Sprintf("%v (at offset %d)", se, se.Offset)
	}
	if errors.Is(err, io.EOF) {
		return "no value"
	}
	return err.Error()
}

func fromJSON(v any) (any, error) {
	switch v := v.(type) {
	case nil, bool, string:
		return v, nil
	case json.Number:
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("number %s is not a 64-bit integer (alsh has only ints)", v)
		}
		return n, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			w, err := fromJSON(e)
			if err != nil {
				return nil, err
			}
			out[i] = w
		}
		return out, nil
	case map[string]any:
		return recordFromJSON(v)
	}
	return nil, fmt.Errorf("unexpected JSON value %v", v)
}

func recordFromJSON(m map[string]any) (any, error) {
	if enc, ok := m[bytesKey].(string); ok && len(m) == 1 {
		data, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return nil, fmt.Errorf("%s %q is not base64: %v", bytesKey, enc, err)
		}
		return string(data), nil
	}
	out := builtins.Record{}
	for k, e := range m {
		w, err := fromJSON(e)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", k, err)
		}
		out[k] = w
	}
	return out, nil
}

func doReadFile(r *run, c *Call, args []any) (any, error) {
	name, err := only[string](c, args, "want a path string")
	if err != nil {
		return nil, err
	}
	data, err := r.in.opts.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return string(data), nil
}

func doWriteFile(r *run, c *Call, args []any) (any, error) {
	s, err := strArgs(c, args, 2, 2)
	if err != nil {
		return nil, err
	}
	return nil, r.in.opts.WriteFile(s[0], []byte(s[1]))
}
