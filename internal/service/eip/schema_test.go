package eip

import (
	"testing"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

func TestSchemasValid(t *testing.T) {
	testutil.CheckResourceSchema(t, NewResource())
	testutil.CheckDataSourceSchema(t, NewDataSource())
}
