package demo

import "github.com/cloutapp/clout/internal/creator"

// The demo brand: a skincare shop with its catalog, its creators' names and
// the shape of their traffic. Everything random is drawn from Options.Seed.

// ShopDomain is the demo brand's store, the only destination its links allow.
const ShopDomain = "shop.glowlab.example"

// product is one catalog item with its price, its unit cost (nil: unknown,
// the brand's default margin estimates it), how often it sells, and the
// page a link to it opens.
type product struct {
	SKU, Title, Category, Path string
	Price                      int64
	Cost                       *int64
	Weight                     int
}

func cost(v int64) *int64 { return &v }

// products: the gift set sells at a thin margin, so the plan's margin cap
// binds on it; the jade roller has no known cost.
var products = []product{
	{"GL-SERUM-30", "Vitamin C Serum 30 ml", "Skincare", "/products/vitamin-c-serum", 3800, cost(900), 22},
	{"GL-MOIST-50", "Daily Moisturizer 50 ml", "Skincare", "/products/daily-moisturizer", 3200, cost(750), 18},
	{"GL-CLEANSE", "Gentle Gel Cleanser", "Skincare", "/products/gel-cleanser", 2400, cost(500), 16},
	{"GL-SPF50", "Mineral Sunscreen SPF 50", "Suncare", "/products/mineral-spf-50", 2900, cost(800), 14},
	{"GL-RETINOL", "Night Retinol Cream", "Skincare", "/products/night-retinol", 4600, cost(1200), 9},
	{"GL-MASK-CLAY", "Pink Clay Mask", "Masks", "/products/pink-clay-mask", 2200, cost(600), 8},
	{"GL-LIP-TINT", "Tinted Lip Balm", "Lips", "/products/tinted-lip-balm", 1400, cost(300), 10},
	{"GL-EYE", "Caffeine Eye Cream", "Skincare", "/products/caffeine-eye-cream", 3600, cost(1000), 6},
	{"GL-GIFT-SET", "Glow Ritual Gift Set", "Sets", "/products/glow-ritual-set", 8900, cost(6200), 4},
	{"GL-ROLLER", "Jade Facial Roller", "Tools", "/products/jade-roller", 2800, nil, 5},
}

// firstNames are the creators' first names, all distinct, so that codes
// (MIA15) and emails are too.
var firstNames = []string{"Mia", "Jordan", "Priya", "Lucas", "Ava", "Noah", "Zoe", "Mateo", "Chloe", "Ethan",
	"Aisha", "Liam", "Sofia", "Kai", "Emma", "Diego", "Hana", "Oliver", "Leila", "Theo",
	"Nina", "Samir", "Grace", "Felix", "Maya", "Ravi", "Ines", "Owen", "Yara", "Caleb",
	"Lena", "Tomas", "Ruby", "Arjun", "Elise", "Marco", "Nora", "Jonah", "Clara", "Idris"}

var lastNames = []string{"Reyes", "Chen", "Patel", "Okafor", "Larsen", "Kim", "Moreau", "Silva", "Novak", "Haddad",
	"Brooks", "Tanaka", "Ferreira", "Walsh", "Nguyen", "Costa", "Ahmed", "Fischer", "Rossi", "Park"}

var handleSuffixes = []string{"glows", "skin", "beauty", "daily", "routine", "lab", "diaries", "looks", "vibes", "tv"}

var niches = []string{"skincare", "skincare", "makeup", "wellness", "lifestyle", "fitness", "fashion"}

// platformShare is how often a creator's main platform is each one.
var platformShare = []struct {
	P      creator.Platform
	Weight int
}{{"instagram", 38}, {"tiktok", 30}, {"youtube", 16}, {"newsletter", 6}, {"twitch", 5}, {"x", 5}}

// referrers is the referrer host of a click from each platform.
var referrers = map[creator.Platform][]string{
	"instagram":  {"l.instagram.com", "www.instagram.com"},
	"tiktok":     {"www.tiktok.com", "m.tiktok.com"},
	"youtube":    {"www.youtube.com", "m.youtube.com"},
	"twitch":     {"www.twitch.tv"},
	"x":          {"t.co"},
	"newsletter": {"", "mail.google.com", "outlook.live.com"},
	"other":      {""},
}

// codeAffinity is how much a platform's audience types a code instead of
// following a link (video audiences copy codes; newsletter readers click).
var codeAffinity = map[creator.Platform]float64{
	"instagram": 0.35, "tiktok": 0.5, "youtube": 0.6, "twitch": 0.45, "x": 0.2, "newsletter": 0.1, "other": 0.25,
}

// mobileShare is the share of a platform's clicks from phones.
var mobileShare = map[creator.Platform]float64{
	"instagram": 0.85, "tiktok": 0.92, "youtube": 0.6, "twitch": 0.35, "x": 0.7, "newsletter": 0.5, "other": 0.6,
}

var countries = []struct {
	Code   string
	Weight int
}{{"US", 68}, {"CA", 10}, {"GB", 8}, {"AU", 5}, {"DE", 3}, {"FR", 2}, {"NL", 2}, {"IE", 2}}

// weekday is each day's traffic against an average day, Sunday first:
// people scroll more at the weekend.
var weekday = [7]float64{1.28, 0.86, 0.88, 0.92, 0.96, 1.05, 1.36}

// hourly is the shape of a day's clicks by local hour: quiet at night,
// busiest in the evening.
var hourly = [24]int{2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 6, 6, 6, 6, 7, 8, 9, 10, 10, 9, 6, 4}

// linkLabels are what a creator's links are for, after the bio link.
var linkLabels = []string{"Morning routine video", "Serum review", "Summer skincare haul", "Night routine reel",
	"Sunscreen explainer", "Gift guide", "Lip tint try-on", "Clay mask tutorial"}

// storeCodes are the shop's own codes: orders using them are not any
// creator's (the attribution receipt says so).
var storeCodes = []string{"WELCOME10", "FREESHIP"}

// couponSites are coupon aggregators a leaked code shows up on.
// (internal/fraud knows these domains; the pages are not fetched.)
var couponSites = []string{"https://www.retailmenot.com/view/shop.glowlab.example", "https://couponfollow.com/site/shop.glowlab.example"}
