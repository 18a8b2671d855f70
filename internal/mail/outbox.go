// Package mail queues outgoing email in the outbox table, renders it from the
// templates in templates/, and delivers it over SMTP when CLOUT_SMTP_URL is
// set (Sender). Owners read their brand's outbox at /admin/outbox, so every
// flow works locally without a mail server; in development without SMTP,
// messages not tied to a brand (password resets) are also logged.
package mail

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/cloutapp/clout/internal/store"
	"gorm.io/gorm"
)

// Message is one queued email.
type Message struct {
	ID        string `gorm:"primaryKey"`
	BrandID   *string
	ToAddr    string
	Subject   string
	Body      string
	CreatedAt time.Time
	SentAt    *time.Time
}

// TableName is the outbox table.
func (Message) TableName() string { return "outbox" }

// Outbox queues messages.
type Outbox struct {
	db        *store.DB
	log       *slog.Logger
	logBodies bool
}

// NewOutbox returns an outbox on db. With logBodies (development only), the
// bodies of messages that belong to no brand, such as password resets, are
// also logged, since no outbox page shows them; their links are secrets, so
// production never logs them.
func NewOutbox(db *store.DB, log *slog.Logger, logBodies bool) *Outbox {
	return &Outbox{db: db, log: log, logBodies: logBodies}
}

// Enqueue adds a message inside tx (or the outbox's own database when tx is
// nil), so that it is queued exactly when the change that sends it commits.
func (o *Outbox) Enqueue(ctx context.Context, tx *gorm.DB, brandID, to, subject, body string) error {
	if tx == nil {
		tx = o.db.DB
	}
	m := Message{ID: store.NewID("msg"), ToAddr: to, Subject: subject, Body: body, CreatedAt: store.Now()}
	if brandID != "" {
		m.BrandID = &brandID
	} else if o.logBodies {
		o.log.InfoContext(ctx, "mail queued (development without SMTP: body logged)", "to", to, "subject", subject, "body", body)
	}
	if err := tx.WithContext(ctx).Create(&m).Error; err != nil {
		return fmt.Errorf("mail: queueing: %w", err)
	}
	return nil
}

// ForBrand lists a brand's messages, newest first.
func (o *Outbox) ForBrand(ctx context.Context, brandID string, limit int) ([]Message, error) {
	var ms []Message
	err := o.db.WithContext(ctx).Where("brand_id = ?", brandID).Order("created_at DESC").Limit(limit).Find(&ms).Error
	return ms, err
}

// Latest returns the newest message to an address; tests use it to read links.
func (o *Outbox) Latest(ctx context.Context, to string) (*Message, error) {
	var m Message
	err := o.db.WithContext(ctx).Where("to_addr = ?", to).Order("created_at DESC").Take(&m).Error
	return &m, store.Err(err)
}
