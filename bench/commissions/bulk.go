package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cloutapp/clout/internal/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// table is rows to load into one table.
type table struct {
	name string
	cols []string
	rows [][]any
}

// write loads the orders, their lines and their adjustments straight into
// the tables (COPY on PostgreSQL, 100-row INSERTs in one transaction on
// SQLite) and returns the number of rows written.
func (g *generated) write(ctx context.Context, db *store.DB) (int, error) {
	orders := table{name: "orders", cols: strings.Fields(`id brand_id source external_id placed_at currency subtotal discount net
		shipping tax refunded discount_codes click_id customer_hash status creator_id attribution_method attribution_evidence
		attribution_rule version created_at updated_at`)}
	lines := table{name: "order_lines", cols: strings.Fields(`id order_id brand_id position external_id sku product_id title
		quantity unit_price discount net`)}
	adjs := table{name: "order_adjustments", cols: strings.Fields(`id brand_id source order_ref order_id kind external_id
		occurred_at amount cumulative group_ref basis lines reason created_at`)}
	for _, o := range g.orders {
		codes, _ := json.Marshal(o.Codes)
		evidence, _ := json.Marshal(o.AttributionEvidence)
		orders.rows = append(orders.rows, []any{o.ID, o.BrandID, string(o.Source), o.ExternalID, o.PlacedAt, o.Currency,
			o.Subtotal, o.Discount, o.Net, o.Shipping, o.Tax, o.Refunded, string(codes), o.ClickID, o.CustomerHash,
			string(o.Status), *o.CreatorID, o.AttributionMethod, string(evidence), o.AttributionRule, o.Version, o.CreatedAt, o.UpdatedAt})
		for _, l := range o.lines {
			lines.rows = append(lines.rows, []any{l.ID, l.OrderID, l.BrandID, l.Position, l.ExternalID, l.SKU, l.ProductID,
				l.Title, l.Quantity, l.UnitPrice, l.Discount, l.Net})
		}
		for _, a := range o.adjs {
			ls, _ := json.Marshal(a.Lines)
			adjs.rows = append(adjs.rows, []any{a.ID, a.BrandID, string(a.Source), a.OrderRef, *a.OrderID, a.Kind, a.ExternalID,
				a.OccurredAt, a.Amount, a.Cumulative, a.GroupRef, a.Basis, string(ls), a.Reason, a.CreatedAt})
		}
	}
	n := 0
	for _, t := range []table{orders, lines, adjs} {
		var err error
		if db.Dialect == store.Postgres {
			err = copyRows(ctx, db, t)
		} else {
			err = insertRows(ctx, db, t)
		}
		if err != nil {
			return n, fmt.Errorf("%s: %w", t.name, err)
		}
		n += len(t.rows)
	}
	return n, nil
}

// copyRows loads a table with COPY on one of the pool's connections (whose
// search_path is the benchmark's schema).
func copyRows(ctx context.Context, db *store.DB, t table) error {
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the PostgreSQL driver connection is a %T, not pgx's", dc)
		}
		n, err := sc.Conn().CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(t.rows))
		if err == nil && n != int64(len(t.rows)) {
			err = fmt.Errorf("COPY wrote %d of %d rows", n, len(t.rows))
		}
		return err
	})
}

// insertRows loads a table with multi-row INSERTs of 100 rows in one
// transaction (longer INSERTs are slower on SQLite, whose driver binds
// parameters in O(n²)).
func insertRows(ctx context.Context, db *store.DB, t table) error {
	const per = 100
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
	return db.WithTx(ctx, func(tx *gorm.DB) error {
		for start := 0; start < len(t.rows); start += per {
			rows := t.rows[start:min(start+per, len(t.rows))]
			args := make([]any, 0, len(rows)*len(t.cols))
			for _, r := range rows {
				args = append(args, r...)
			}
			q := "INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES " +
				strings.TrimSuffix(strings.Repeat(one+", ", len(rows)), ", ")
			if err := tx.Exec(q, args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
}
