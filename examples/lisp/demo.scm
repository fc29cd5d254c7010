;; demo.scm — the last step of `make demo`: a Lisp program on ohm, run with --stats.
;; Closures in cycles with their envs (for the collector), a dict, which lines of this
;; file hold memory (ohm's tracer, through the interpreter's frame provider), and why a
;; value is alive (ohm_gc_explain).

;; next is defined inside the env it closes over: env -> next -> env, a cycle
(define (make-counter)
  (define n 0)
  (define (next) (set! n (+ n 1)) n)
  next)

(define (word-counts words)
  (let ((counts (make-dict)))
    (define (count ws)
      (if (null? ws)
          counts
          (begin
            (dict-set! counts (car ws) (+ 1 (dict-get counts (car ws) 0)))
            (count (cdr ws)))))
    (count words)))

(display "word counts: ")
(write (word-counts '(the cat and the hat and the bat)))
(newline)

;; 100000 counters made and dropped: garbage only the cycle collector can free
(define (churn i)
  (if (< i 100000)
      (let ((c (make-counter)))
        (c)
        (churn (+ i 1)))))
(churn 0)
(display "after 100000 counters: ")
(display (list (live-objects) 'live 'objects (arena-count) 'arena))
(newline)

;; a table of 2000 strings, and where ohm says the memory is
(trace-start 2)
(define (make-table n acc)
  (if (= n 0)
      acc
      (make-table (- n 1) (cons (string-append "row " (number->string n)) acc))))
(define table (make-table 2000 '()))
(display "the lines of demo.scm holding the most memory:")
(newline)
(trace-top 3)

;; why is the counter alive? the chain of references from a root, as ohm sees it
(define counter (make-counter))
(explain counter)
