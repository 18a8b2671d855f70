package money_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// moneyPaths are the packages through which amounts flow: money itself,
// orders (parsed from the sources' decimal strings), commissions and reports. No
// float may appear in their code. (internal/coupon hands Stripe its
// percent_off, a float in Stripe's API, from an exact decimal; it is the one
// place outside these where a float meets a rate.)
var moneyPaths = []string{".", "../order", "../commission", "../report"}

// TestNoFloatInMoneyPaths fails if a float type, a float function or a
// floating-point literal appears in the non-test code of a money path.
func TestNoFloatInMoneyPaths(t *testing.T) {
	fset := token.NewFileSet()
	for _, dir := range moneyPaths {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, e := range entries {
			name := e.Name()
			if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.Ident:
					if n.Name == "float32" || n.Name == "float64" || n.Name == "complex64" || n.Name == "complex128" ||
						strings.Contains(n.Name, "Float") { // big.Float, strconv.ParseFloat, math.Float64bits…
						t.Errorf("%s: %s", fset.Position(n.Pos()), n.Name)
					}
				case *ast.BasicLit:
					if n.Kind == token.FLOAT || n.Kind == token.IMAG {
						t.Errorf("%s: floating-point literal %s", fset.Position(n.Pos()), n.Value)
					}
				}
				return true
			})
		}
		if checked == 0 {
			t.Errorf("no Go files in %s", dir)
		}
	}
}
