module github.com/lpgd-go/lpgd_go

go 1.24
