^trace\.scm:8: size=[0-9.]+ KiB, count=([2-9][0-9]{3}|[0-9]{5,}), average=[0-9]+ B$
