package vm

import (
	"testing"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

func TestSchemasValid(t *testing.T) {
	testutil.CheckResourceSchema(t, NewInstanceResource())
	testutil.CheckDataSourceSchema(t, NewInstanceDataSource())
}
