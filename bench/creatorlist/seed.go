package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/store"
	"gorm.io/gorm"
)

// seedBatch creators (with their accounts, handles, tags and events) go in
// one transaction, each table in multi-row INSERTs of insertRows rows: longer
// INSERTs are slower on SQLite, whose driver binds parameters in O(n²).
const (
	seedBatch  = 5000
	insertRows = 100
)

// tagRow is a row of creator_tags (the creator package's type is unexported).
type tagRow struct{ CreatorID, BrandID, Tag string }

func (tagRow) TableName() string { return "creator_tags" }

// Each value appears in these lists as often as it is likely.
var (
	firstNames = strings.Fields("Maria James Aisha Wei Olivia Mateo Priya Noah Sofia Liam Yuki Emma Omar Chloe Lucas Amara Ethan Zara Diego Hana")
	lastNames  = strings.Fields("Garcia Smith Khan Chen Johnson Rossi Patel Nguyen Müller Silva Kim Brown Okafor Dubois Tanaka Lopez")
	tags       = strings.Fields("fitness beauty gaming tech food travel fashion parenting finance outdoors")
	countries  = strings.Fields("US US US US GB GB CA DE FR BR IN JP AU ES")
	statuses   = []creator.Status{creator.Active, creator.Active, creator.Active, creator.Active, creator.Active, creator.Active,
		creator.Active, creator.Active, creator.Active, creator.Active, creator.Active, creator.Active, // 60%
		creator.Applied, creator.Applied, creator.Invited, creator.Invited, creator.Paused, creator.Paused, creator.Rejected, creator.Retired}
	platforms = []creator.Platform{"instagram", "instagram", "instagram", "instagram", "instagram", "instagram", "instagram",
		"tiktok", "tiktok", "tiktok", "tiktok", "tiktok", "tiktok", "youtube", "youtube", "youtube", "x", "x", "twitch", "newsletter", "other"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// seed inserts n creators of brandID, with a realistic spread of statuses,
// platforms, audiences, tags and sign-up dates over 90 days, and returns the
// number of rows written.
func seed(ctx context.Context, db *store.DB, brandID string, n int) (int, error) {
	r := rand.New(rand.NewPCG(uint64(n), 1))
	now, total := store.Now(), 0
	for start := 0; start < n; start += seedBatch {
		var (
			accs []creator.Account
			crs  []creator.Creator
			hs   []creator.Handle
			ts   []tagRow
			evs  []creator.Event
		)
		for i := start; i < min(start+seedBatch, n); i++ {
			first, last := pick(r, firstNames), pick(r, lastNames)
			login := strings.ToLower(first+"."+last) + fmt.Sprint(i)
			at := now.Add(-time.Duration(r.Int64N(int64(90 * 24 * time.Hour)))).Truncate(time.Microsecond)
			c := creator.Creator{ID: store.NewID("cr"), BrandID: brandID, AccountID: store.NewID("cra"), Name: first + " " + last,
				Email: login + "@example.com", Status: pick(r, statuses), Source: "application", Country: pick(r, countries),
				CreatedAt: at, UpdatedAt: at}
			accs = append(accs, creator.Account{ID: c.AccountID, Email: c.Email, CreatedAt: at, UpdatedAt: at})
			seen := map[creator.Platform]bool{}
			for range 1 + r.IntN(3) {
				if p := pick(r, platforms); !seen[p] {
					seen[p] = true
					aud := int64(500<<r.IntN(14)) + r.Int64N(500) // 500 to 4M, log-spread
					c.TotalAudience += aud
					hs = append(hs, creator.Handle{CreatorID: c.ID, BrandID: brandID, Platform: p, Handle: "@" + login, AudienceSize: aud})
				}
			}
			for _, t := range r.Perm(len(tags))[:r.IntN(4)] {
				ts = append(ts, tagRow{CreatorID: c.ID, BrandID: brandID, Tag: tags[t]})
				c.Niche = tags[t]
			}
			// The first event is how the creator came in; a second, if any,
			// moved them to their status now.
			came := creator.Applied
			if c.Status == creator.Invited || c.Status != creator.Applied && c.Status != creator.Rejected && r.IntN(2) == 0 {
				c.Source, came = "invite", creator.Invited
			}
			if c.Status != creator.Invited && c.Status != creator.Rejected {
				v := 1
				c.TermsVersion, c.TermsAcceptedAt = &v, &at
			}
			evs = append(evs, creator.Event{ID: store.NewID("cev"), BrandID: brandID, CreatorID: c.ID, ToStatus: came,
				ActorType: "system", ActorLabel: "seed", CreatedAt: at})
			if c.Status != came {
				c.UpdatedAt = at.Add(time.Duration(r.Int64N(int64(72 * time.Hour))))
				evs = append(evs, creator.Event{ID: store.NewID("cev"), BrandID: brandID, CreatorID: c.ID, FromStatus: came,
					ToStatus: c.Status, ActorType: "user", ActorLabel: ownerEmail, CreatedAt: c.UpdatedAt})
			}
			crs = append(crs, c)
		}
		err := db.WithTx(ctx, func(tx *gorm.DB) error {
			// SQLite gets a 200 MB page cache while seeding, and its own back after.
			var cache int
			if db.Dialect == store.SQLite {
				if err := errors.Join(tx.Raw("PRAGMA cache_size").Scan(&cache).Error, tx.Exec("PRAGMA cache_size = -200000").Error); err != nil {
					return err
				}
			}
			for _, rows := range []any{&accs, &crs, &hs, &ts, &evs} {
				if err := tx.CreateInBatches(rows, insertRows).Error; err != nil {
					return err
				}
			}
			if db.Dialect == store.SQLite {
				return tx.Exec(fmt.Sprintf("PRAGMA cache_size = %d", cache)).Error
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(accs) + len(crs) + len(hs) + len(ts) + len(evs)
	}
	return total, nil
}
