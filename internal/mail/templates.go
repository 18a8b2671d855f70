package mail

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"text/template"

	"gorm.io/gorm"
)

//go:embed templates/*.txt
var templateFS embed.FS

// templates holds one set per file: each file defines "subject" and "body".
var templates = func() map[string]*template.Template {
	files, err := fs.Glob(templateFS, "templates/*.txt")
	if err != nil {
		panic(err)
	}
	m := map[string]*template.Template{}
	for _, f := range files {
		m[strings.TrimSuffix(path.Base(f), ".txt")] = template.Must(template.ParseFS(templateFS, f))
	}
	return m
}()

// Template names.
const (
	CreatorInvite       = "creator_invite"
	ApplicationReceived = "application_received"
	ApplicationApproved = "application_approved"
	ApplicationRejected = "application_rejected"
	MagicLink           = "magic_link"
	PayoutSent          = "payout_sent"
)

// Render fills a mail template (templates/NAME.txt) with data.
func Render(name string, data any) (subject, body string, err error) {
	t, ok := templates[name]
	if !ok {
		return "", "", fmt.Errorf("mail: no template %q", name)
	}
	var s, b strings.Builder
	if err := t.ExecuteTemplate(&s, "subject", data); err != nil {
		return "", "", fmt.Errorf("mail: template %s: %w", name, err)
	}
	if err := t.ExecuteTemplate(&b, "body", data); err != nil {
		return "", "", fmt.Errorf("mail: template %s: %w", name, err)
	}
	return strings.TrimSpace(s.String()), strings.TrimLeft(b.String(), "\n"), nil
}

// Send renders a template and queues it in tx (see Enqueue).
func (o *Outbox) Send(ctx context.Context, tx *gorm.DB, brandID, to, name string, data any) error {
	subject, body, err := Render(name, data)
	if err != nil {
		return err
	}
	return o.Enqueue(ctx, tx, brandID, to, subject, body)
}
