;; A million iterations making closures that are in cycles with their envs:
;;   call env -> vars dict -> closure -> call env
;; (next in make-counter's env, self in churn's), each dropped at the next iteration.
;; Reference counting cannot free these; ohm's collector must, as the program runs.
;; The test: the live objects and mapped arenas late in the run stay within what they
;; were early on (samples every 1000 iterations; no timing involved), and a full
;; collection at the end brings the live objects back to where they started.
(define (make-counter)                  ; next is bound in the env it closes over
  (define n 0)
  (define (next) (set! n (+ n 1)) n)
  next)

(define early (make-dict))      ; the highest counts seen in the first 100000 iterations
(define late (make-dict))       ; ... and after them
(define (note! d key value)
  (if (> value (dict-get d key 0)) (dict-set! d key value)))

(define (sample! i)
  (let ((d (if (< i 100000) early late)))
    (note! d 'objects (live-objects))
    (note! d 'arenas (arena-count))))

(define (churn i)
  (if (= (remainder i 1000) 0) (sample! i))
  (if (< i 1000000)
      (begin
        (define c (make-counter))       ; a cycle, held from this call's env
        (c)
        (define (self) self)            ; a closure in this call's env: another cycle
        (churn (+ i 1)))))              ; a tail call: this env is dropped
(define start (live-objects))   ; before the loop...
(churn 0)
(gc-collect)
(define end (live-objects))     ; ...and after it and a full collection: no more

(define (check key)
  (display (list key 'bounded (<= (dict-get late key) (* 2 (dict-get early key)))))
  (newline))
(check 'objects)
(check 'arenas)
(display (list 'arenas-no-more-than-early (<= (dict-get late 'arenas) (dict-get early 'arenas))))
(newline)
;; the same objects as before, but for the few made since: the samples' numbers and
;; the symbols read (what leaked would be counted in millions)
(display (list 'back-to-start (< (- end start) 20)))
(newline)
