// Package csvfile reads the CSV files people upload (order exports, product
// catalogs): it checks a file's size and kind, decodes it to UTF-8 (a byte
// order mark, UTF-16 from Excel's "Unicode text", Windows-1252), picks its
// delimiter (',', ';' or tab) and splits it into a header and non-blank data
// rows, each with its line number in the file. Problems with the file are
// validate.Errors on the field "file".
package csvfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/cloutapp/clout/internal/validate"
	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
)

// Table is a file's header and non-blank data rows.
type Table struct {
	// Headers are the header row's cells, trimmed.
	Headers []string
	// Rows are the data rows' cells, as written (not trimmed).
	Rows [][]string
	// RowNumbers holds each row's line number in the file (the header is
	// usually 1).
	RowNumbers []int
	// Delimiter is ',', ';' or '\t'.
	Delimiter rune
}

// Read decodes content (at most maxBytes) and splits it into a header and
// at most maxRows non-blank data rows, with each row's line number. A file
// with a header but no data row is an error.
func Read(content []byte, maxBytes, maxRows int) (headers []string, rows [][]string, rowNumbers []int, err error) {
	text, err := Decode(content, maxBytes)
	if err != nil {
		return nil, nil, nil, err
	}
	tab, err := Parse(text, maxRows)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(tab.Rows) == 0 {
		return nil, nil, nil, validate.Errors{{Field: "file", Message: "the file has a header row but no rows under it"}}
	}
	return tab.Headers, tab.Rows, tab.RowNumbers, nil
}

// Decode checks a file's size (at most maxBytes) and kind and returns it as
// UTF-8 text without a byte order mark. UTF-16 with a byte order mark
// (Excel's "Unicode text") is decoded; text that is not UTF-8 is read as
// Windows-1252, what spreadsheet apps on Windows write for "CSV".
func Decode(content []byte, maxBytes int) (string, error) {
	var errs validate.Errors
	switch {
	case len(content) == 0:
		errs.Add("file", "the file is empty")
	case len(content) > maxBytes:
		errs.Add("file", "the file is %s; the limit is %s: split it into smaller files", Size(len(content)), Size(maxBytes))
	case bytes.HasPrefix(content, []byte("PK\x03\x04")):
		errs.Add("file", "this is a spreadsheet workbook (.xlsx) or a zip file, not CSV: save or export it as CSV (UTF-8) and upload that")
	}
	if len(errs) > 0 {
		return "", errs
	}
	switch {
	case bytes.HasPrefix(content, []byte{0xEF, 0xBB, 0xBF}):
		content = content[3:]
	case bytes.HasPrefix(content, []byte{0xFF, 0xFE}), bytes.HasPrefix(content, []byte{0xFE, 0xFF}):
		out, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder().Bytes(content)
		if err != nil {
			errs.Add("file", "the file starts like UTF-16 text but cannot be read as such: save it as CSV (UTF-8)")
			return "", errs
		}
		content = out
	}
	if bytes.IndexByte(content, 0) >= 0 {
		errs.Add("file", "the file holds binary data, not CSV text: save or export it as CSV (UTF-8)")
		return "", errs
	}
	if !utf8.Valid(content) {
		out, err := charmap.Windows1252.NewDecoder().Bytes(content)
		if err != nil {
			errs.Add("file", "the file is not UTF-8 text: save it as CSV (UTF-8)")
			return "", errs
		}
		content = out
	}
	return string(content), nil
}

// Size writes a byte count as "12 KiB" or "1.5 MiB".
func Size(n int) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KiB", (n+1023)/1024)
	}
	return fmt.Sprintf("%d.%d MiB", n>>20, (n%(1<<20))*10>>20)
}

// SniffDelimiter picks ',', ';' or tab, whichever the first non-blank line
// has most of outside quotes (',' on a tie or when it has none).
func SniffDelimiter(text string) rune {
	line := text
	for {
		l, rest, found := strings.Cut(line, "\n")
		if strings.TrimSpace(l) != "" || !found {
			line = l
			break
		}
		line = rest
	}
	counts := map[rune]int{}
	quoted := false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ',' || r == ';' || r == '\t'):
			counts[r]++
		}
	}
	best := ','
	for _, d := range []rune{';', '\t'} {
		if counts[d] > counts[best] {
			best = d
		}
	}
	return best
}

// Parse splits decoded text into a header and at most maxRows non-blank
// data rows, each with its line number in the file. Text without a header
// is an error; a header without rows is not (callers word that error).
func Parse(text string, maxRows int) (*Table, error) {
	var errs validate.Errors
	tab := &Table{Delimiter: SniffDelimiter(text)}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma, r.FieldsPerRecord = tab.Delimiter, -1
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			why := pe.Err.Error()
			switch {
			case errors.Is(pe.Err, csv.ErrBareQuote):
				why = `a field that is not in quotes has a quote (") in it; put the whole field in quotes and double the quote inside ("")`
			case errors.Is(pe.Err, csv.ErrQuote):
				why = "a quoted field is not closed, or has text after its closing quote"
			}
			errs.Add("file", "row %d is not valid CSV: %s", pe.StartLine, why)
			return nil, errs
		}
		if err != nil {
			errs.Add("file", "the file cannot be read as CSV: %v", err)
			return nil, errs
		}
		blank := true
		for _, c := range rec {
			if strings.TrimSpace(c) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue
		}
		line, _ := r.FieldPos(0)
		if tab.Headers == nil {
			for i := range rec {
				rec[i] = strings.TrimSpace(rec[i])
			}
			tab.Headers = rec
			continue
		}
		if len(tab.Rows) == maxRows {
			errs.Add("file", "the file has more than %d rows; split it into smaller files", maxRows)
			return nil, errs
		}
		tab.Rows = append(tab.Rows, rec)
		tab.RowNumbers = append(tab.RowNumbers, line)
	}
	if tab.Headers == nil {
		errs.Add("file", "the file has no rows")
		return nil, errs
	}
	return tab, nil
}

// SafeCell makes a value safe to open in a spreadsheet: a cell starting with
// =, +, -, @, a tab or a carriage return would be read as a formula, so it
// gets a leading apostrophe. Numbers Clout writes itself (amounts, which may
// be negative) are not passed through it.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
