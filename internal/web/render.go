package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/coupon"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/templates"
	assets "github.com/cloutapp/clout/web"
	"github.com/labstack/echo/v4"
)

// renderer holds one template set per page: the layout, the partials and
// that page's file.
type renderer struct {
	pages map[string]*template.Template
}

var funcs = template.FuncMap{
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"whenp": func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"money": func(minor int64, currency string) string {
		return money.Amount{Minor: minor, Currency: currency}.String()
	},
	"join":     strings.Join,
	"canWrite": func(r brand.Role) bool { return r.CanWrite() },
	"num":      formatThousands,
	// usable: the code is active and not expired now.
	"usable": func(c coupon.Code) bool { return c.Usable(time.Now()) },
	"actionLabel": func(from, to creator.Status) string {
		switch {
		case to == creator.Active && (from == creator.Applied || from == creator.Rejected):
			return "Approve"
		case to == creator.Active && from == creator.Paused:
			return "Resume"
		case to == creator.Active:
			return "Activate"
		case to == creator.Rejected:
			return "Reject"
		case to == creator.Paused:
			return "Pause"
		case to == creator.Retired:
			return "Retire"
		}
		return string(to)
	},
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
}

// formatThousands writes 1234567 as "1,234,567".
func formatThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func newRenderer() (*renderer, error) {
	base := template.New("").Funcs(funcs)
	base, err := base.ParseFS(templates.FS, "layouts/*.html", "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	files, err := fs.Glob(templates.FS, "pages/*.html")
	if err != nil {
		return nil, err
	}
	r := &renderer{pages: map[string]*template.Template{}}
	for _, f := range files {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if t, err = t.ParseFS(templates.FS, f); err != nil {
			return nil, fmt.Errorf("templates: %s: %w", f, err)
		}
		r.pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return r, nil
}

// Render executes page name with the layout. The output is buffered so that a
// template error becomes a clean 500, not half a page.
func (r *renderer) Render(w io.Writer, name string, data any, c echo.Context) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("templates: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("templates: %s: %w", name, err)
	}
	_, err := buf.WriteTo(w)
	return err
}

func staticHandler() echo.HandlerFunc {
	sub, err := fs.Sub(assets.Static, "static")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	return func(c echo.Context) error {
		// Files only: no directory listings or directory redirects.
		st, err := fs.Stat(sub, strings.TrimPrefix(path.Clean(c.Param("*")), "/"))
		if err != nil || st.IsDir() {
			return echo.ErrNotFound
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}
