module versus

go 1.19

require github.com/HdrHistogram/hdrhistogram-go v1.1.2
