package commission

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cloutapp/clout/internal/nullable"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// Product is one item a brand sells, with its unit cost for the margin
// rules. A line matches a product by sku, else by product id.
type Product struct {
	ID        string `gorm:"primaryKey"`
	BrandID   string
	SKU       string `gorm:"column:sku"`
	ProductID string `gorm:"column:product_id"`
	Title     string
	Category  string
	// UnitCost is in minor units of the brand's currency; nil when unknown
	// (the brand's default margin, if any, then estimates it).
	UnitCost  *int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName is the products table.
func (Product) TableName() string { return "products" }

// ProductPatch changes some of a product's fields; absent fields stay as
// they are (or empty, for a new product). UnitCost null makes the cost
// unknown.
type ProductPatch struct {
	Title     *string               `json:"title"`
	ProductID *string               `json:"product_id"`
	Category  *string               `json:"category"`
	UnitCost  nullable.Value[int64] `json:"unit_cost"`
}

// ProductInput is one item of a bulk Put.
type ProductInput struct {
	SKU string `json:"sku"`
	ProductPatch
}

// PutResult is what Put did to one product.
type PutResult struct {
	Product *Product
	Created bool
}

// Catalog limits.
const (
	MaxSKU          = 100
	MaxProductText  = 200
	MaxUnitCost     = 1_000_000_000_000
	MaxBulkProducts = 1000
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// ErrBadCursor is returned by List for a cursor it did not give out.
var ErrBadCursor = errors.New("not a cursor this list gave out")

// CatalogService stores products. Every method is scoped by the brand id.
type CatalogService struct {
	db  *store.DB
	log *slog.Logger
	now func() time.Time
}

// NewCatalog returns the catalog service.
func NewCatalog(db *store.DB, log *slog.Logger) *CatalogService {
	return &CatalogService{db: db, log: log, now: store.Now}
}

// check validates a sku and patch, naming fields with prefix (e.g.
// "products[3]."). It returns the trimmed sku.
func checkProduct(prefix, sku string, p ProductPatch) (string, validate.Errors) {
	var errs validate.Errors
	sku = strings.TrimSpace(sku)
	if n := utf8.RuneCountInString(sku); n == 0 || n > MaxSKU {
		errs.Add(prefix+"sku", "enter a sku of 1 to %d characters", MaxSKU)
	} else if strings.ContainsAny(sku, "\r\n\t") {
		errs.Add(prefix+"sku", "must be on one line")
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"title", p.Title}, {"product_id", p.ProductID}, {"category", p.Category}} {
		if f.v != nil && utf8.RuneCountInString(strings.TrimSpace(*f.v)) > MaxProductText {
			errs.Add(prefix+f.name, "at most %d characters", MaxProductText)
		}
	}
	if p.UnitCost.V != nil {
		if c := *p.UnitCost.V; c < 0 || c > MaxUnitCost {
			errs.Add(prefix+"unit_cost", "must be between 0 and %d minor units (e.g. cents), or null when unknown", int64(MaxUnitCost))
		}
	}
	return sku, errs
}

// Put creates or updates the brand's product with this sku; created is true
// when it was new.
func (s *CatalogService) Put(ctx context.Context, brandID, sku string, p ProductPatch) (*Product, bool, error) {
	sku, errs := checkProduct("", sku, p)
	if len(errs) > 0 {
		return nil, false, errs
	}
	var res PutResult
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		var err error
		res, err = s.put(tx, brandID, sku, p)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return res.Product, res.Created, nil
}

// PutMany applies every item or none: nothing is stored when any item is
// invalid, and the errors name the item (products[3].unit_cost).
func (s *CatalogService) PutMany(ctx context.Context, brandID string, items []ProductInput) ([]PutResult, error) {
	var errs validate.Errors
	switch {
	case len(items) == 0:
		errs.Add("products", "send at least one product")
	case len(items) > MaxBulkProducts:
		errs.Add("products", "at most %d products per call", MaxBulkProducts)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	skus := make([]string, len(items))
	seen := map[string]int{}
	for i, it := range items {
		sku, e := checkProduct(fmt.Sprintf("products[%d].", i), it.SKU, it.ProductPatch)
		errs = append(errs, e...)
		if j, dup := seen[sku]; dup && sku != "" {
			errs.Add(fmt.Sprintf("products[%d].sku", i), "sku %q is also products[%d]; send each sku once", sku, j)
		}
		seen[sku], skus[i] = i, sku
	}
	if len(errs) > 0 {
		return nil, errs
	}
	out := make([]PutResult, len(items))
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		for i, it := range items {
			r, err := s.put(tx, brandID, skus[i], it.ProductPatch)
			if err != nil {
				return fmt.Errorf("products[%d]: %w", i, err)
			}
			out[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *CatalogService) put(tx *gorm.DB, brandID, sku string, p ProductPatch) (PutResult, error) {
	// Serialise writers of one sku, so that two first Puts do not both insert.
	if err := s.db.LockKey(tx, "product:"+brandID+":"+sku); err != nil {
		return PutResult{}, err
	}
	var pr Product
	err := s.db.ForUpdate(tx).Where("brand_id = ? AND sku = ?", brandID, sku).Take(&pr).Error
	created := errors.Is(err, gorm.ErrRecordNotFound)
	if err != nil && !created {
		return PutResult{}, err
	}
	now := s.now()
	if created {
		pr = Product{ID: store.NewID("prd"), BrandID: brandID, SKU: sku, CreatedAt: now}
	}
	if p.Title != nil {
		pr.Title = strings.TrimSpace(*p.Title)
	}
	if p.ProductID != nil {
		pr.ProductID = strings.TrimSpace(*p.ProductID)
	}
	if p.Category != nil {
		pr.Category = strings.TrimSpace(*p.Category)
	}
	if p.UnitCost.Set {
		pr.UnitCost = p.UnitCost.V
	}
	pr.UpdatedAt = now
	if created {
		err = tx.Create(&pr).Error
	} else {
		err = tx.Save(&pr).Error
	}
	if err != nil {
		return PutResult{}, store.Err(err)
	}
	return PutResult{Product: &pr, Created: created}, nil
}

// Get returns the brand's product with this sku, or store.ErrNotFound.
func (s *CatalogService) Get(ctx context.Context, brandID, sku string) (*Product, error) {
	var p Product
	if err := s.db.WithContext(ctx).Where("brand_id = ? AND sku = ?", brandID, strings.TrimSpace(sku)).Take(&p).Error; err != nil {
		return nil, store.Err(err)
	}
	return &p, nil
}

// List returns one page of the brand's products in sku order, those whose
// sku, product id, title or category contains q (case-insensitively), after
// the cursor. next is the cursor of the following page, "" at the end.
// limit ≤ 0 means DefaultPageSize; it is at most MaxPageSize.
func (s *CatalogService) List(ctx context.Context, brandID, q, cursor string, limit int) (items []Product, next string, err error) {
	if limit <= 0 {
		limit = DefaultPageSize
	}
	limit = min(limit, MaxPageSize)
	qb := s.db.WithContext(ctx).Where("brand_id = ?", brandID)
	if q = strings.TrimSpace(q); q != "" {
		like := "%" + escapeLike(strings.ToLower(q)) + "%"
		qb = qb.Where(`(LOWER(sku) LIKE ? ESCAPE '\' OR LOWER(product_id) LIKE ? ESCAPE '\' OR LOWER(title) LIKE ? ESCAPE '\' OR LOWER(category) LIKE ? ESCAPE '\')`,
			like, like, like, like)
	}
	if cursor != "" {
		after, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil || len(after) == 0 {
			return nil, "", validate.Errors{{Field: "cursor", Message: ErrBadCursor.Error()}}
		}
		qb = qb.Where("sku > ?", string(after))
	}
	if err := qb.Order("sku").Limit(limit + 1).Find(&items).Error; err != nil {
		return nil, "", err
	}
	if len(items) > limit {
		items = items[:limit]
		next = base64.RawURLEncoding.EncodeToString([]byte(items[limit-1].SKU))
	}
	return items, next, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// LineRef names an order line's product.
type LineRef struct {
	SKU       string
	ProductID string
}

// Match finds each line's product in one query: by sku, else by product id.
// The map is keyed by the line's index; lines with no product are absent.
// When several products share a product id, the one with the smallest sku
// wins, so the answer does not depend on storage order.
func (s *CatalogService) Match(ctx context.Context, brandID string, lines []LineRef) (map[int]*Product, error) {
	return matchProducts(s.db.WithContext(ctx), brandID, lines)
}

// matchProducts is Match on db (a transaction, say).
func matchProducts(db *gorm.DB, brandID string, lines []LineRef) (map[int]*Product, error) {
	out := map[int]*Product{}
	var skus, pids []string
	for _, l := range lines {
		if v := strings.TrimSpace(l.SKU); v != "" {
			skus = append(skus, v)
		}
		if v := strings.TrimSpace(l.ProductID); v != "" {
			pids = append(pids, v)
		}
	}
	if len(skus) == 0 && len(pids) == 0 {
		return out, nil
	}
	// Placeholders for empty lists would be "IN (NULL)", which matches nothing.
	var found []Product
	cond := db.Where("brand_id = ?", brandID)
	switch {
	case len(skus) > 0 && len(pids) > 0:
		cond = cond.Where("(sku IN ? OR product_id IN ?)", skus, pids)
	case len(skus) > 0:
		cond = cond.Where("sku IN ?", skus)
	default:
		cond = cond.Where("product_id IN ?", pids)
	}
	if err := cond.Find(&found).Error; err != nil {
		return nil, err
	}
	sort.Slice(found, func(i, j int) bool { return found[i].SKU < found[j].SKU })
	bySKU, byPID := map[string]*Product{}, map[string]*Product{}
	for i := range found {
		p := &found[i]
		bySKU[p.SKU] = p
		if _, ok := byPID[p.ProductID]; !ok && p.ProductID != "" {
			byPID[p.ProductID] = p
		}
	}
	for i, l := range lines {
		if p, ok := bySKU[strings.TrimSpace(l.SKU)]; ok {
			out[i] = p
		} else if p, ok := byPID[strings.TrimSpace(l.ProductID)]; ok {
			out[i] = p
		}
	}
	return out, nil
}
