package csvfile_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cloutapp/clout/internal/csvfile"
	"github.com/cloutapp/clout/internal/validate"
)

func TestReadCSV(t *testing.T) {
	// A byte order mark, semicolons, a blank line, a quoted newline.
	h, rows, lines, err := csvfile.Read([]byte("\ufeff a ;b\r\n1;\"x\ny\"\r\n\r\n2;z\r\n"), 1<<20, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(h, []string{"a", "b"}) || !reflect.DeepEqual(rows, [][]string{{"1", "x\ny"}, {"2", "z"}}) ||
		!reflect.DeepEqual(lines, []int{2, 5}) {
		t.Errorf("headers %q rows %q lines %v", h, rows, lines)
	}
	// UTF-16 with a byte order mark (Excel's "Unicode text"), tab separated.
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range "sku\tcost\nA\t1\n" {
		utf16 = append(utf16, byte(r), 0)
	}
	if h, rows, _, err := csvfile.Read(utf16, 1<<20, 10); err != nil || h[1] != "cost" || rows[0][0] != "A" {
		t.Errorf("utf-16: %q %q %v", h, rows, err)
	}
	// Windows-1252.
	if _, rows, _, err := csvfile.Read([]byte("t\nCr\xe8me\n"), 1<<20, 10); err != nil || rows[0][0] != "Crème" {
		t.Errorf("windows-1252: %q %v", rows, err)
	}
	for name, c := range map[string]struct {
		content string
		text    string
	}{
		"empty":     {"", "empty"},
		"too large": {strings.Repeat("x", 2<<10+1), "limit is 2 KiB"},
		"xlsx":      {"PK\x03\x04", "xlsx"},
		"binary":    {"a\x00b", "binary"},
		"no rows":   {"a,b\n", "no rows under it"},
		"blank":     {"\n\n", "no rows"},
		"rows":      {"a\n1\n2\n3\n", "more than 2 rows"},
		"quote":     {"a\nx\"y\n", "row 2 is not valid CSV"},
	} {
		_, _, _, err := csvfile.Read([]byte(c.content), 2<<10, 2)
		errs, ok := err.(validate.Errors)
		if !ok || !strings.Contains(errs.Map()["file"], c.text) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
