package syncro

import (
	"context"
	"iter"
	"net/http"
	"net/url"
)

// ProductsService covers /products (labor products included; the account
// default labor product is TicketSettings.DefaultLaborProductID).
type ProductsService service

// Product is a catalog item. Prices are Money.
type Product struct {
	ID              int64  `json:"id"`
	Name            string `json:"name"`
	Description     string `json:"description"`
	LongDescription string `json:"long_description"`
	PriceCost       Money  `json:"price_cost"`
	PriceRetail     Money  `json:"price_retail"`
	PriceWholesale  Money  `json:"price_wholesale"`
	ProductCategory string `json:"product_category"`
	CategoryPath    string `json:"category_path"`
	UPCCode         string `json:"upc_code"`
	Taxable         bool   `json:"taxable"`
	Disabled        bool   `json:"disabled"`
	MaintainStock   bool   `json:"maintain_stock"`
	// Quantity is the stock count, decoded leniently.
	Quantity Money `json:"quantity"`
}

// ProductListOptions filters GET /products.
type ProductListOptions struct {
	Query      string
	Name       string
	SKU        string
	CategoryID int64
	ListOptions
}

func (o *ProductListOptions) values() url.Values {
	q := query{}
	if o == nil {
		o = &ProductListOptions{}
	}
	q.str("query", o.Query)
	q.str("name", o.Name)
	q.str("sku", o.SKU)
	q.id("category_id", o.CategoryID)
	o.ListOptions.apply(q)
	return url.Values(q)
}

// List returns one page of products.
func (s *ProductsService) List(ctx context.Context, opts *ProductListOptions) ([]Product, *Response, error) {
	return listPage[Product](ctx, s.client, "products", "products", opts.values())
}

// All iterates every product matching opts.
func (s *ProductsService) All(ctx context.Context, opts *ProductListOptions) iter.Seq2[Product, error] {
	return pages[Product](ctx, s.client, "products", "products", opts.values())
}

// Get fetches one product.
func (s *ProductsService) Get(ctx context.Context, id int64) (*Product, *Response, error) {
	var out struct {
		Product *Product `json:"product"`
	}
	resp, err := s.client.call(ctx, http.MethodGet, "products/"+itoa(id), nil, nil, &out)
	if err != nil {
		return nil, resp, err
	}
	return need(out.Product, resp, "product")
}
