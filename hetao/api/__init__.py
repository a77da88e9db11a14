"""The partner REST API's shared machinery: authentication, scopes, tenancy, pagination."""
