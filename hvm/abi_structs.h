/* The Xen ABI structures whose layout differs between 32- and 64-bit guests.
 * One list, expanded twice: by abi32-offsets.c (built with -m32, so the
 * real Xen headers give the 32-bit layout) and by abi.c (the native 64-bit
 * layout).  F(struct, name, field): field is the member designator;
 * FX(struct, name, field32, field64) where the two widths differ. */
#ifndef XK_ABI_STRUCTS_H
#define XK_ABI_STRUCTS_H

#define XK_ABI_STRUCTS(S, F, FX)                                          \
    S(xen_add_to_physmap)                                                 \
    F(xen_add_to_physmap, domid, domid)                                   \
    F(xen_add_to_physmap, size, size)                                     \
    F(xen_add_to_physmap, space, space)                                   \
    F(xen_add_to_physmap, idx, idx)                                       \
    F(xen_add_to_physmap, gpfn, gpfn)                                     \
    S(xen_add_to_physmap_batch)                                           \
    F(xen_add_to_physmap_batch, domid, domid)                             \
    F(xen_add_to_physmap_batch, size, size)                               \
    F(xen_add_to_physmap_batch, foreign_domid, u.foreign_domid)           \
    F(xen_add_to_physmap_batch, space, space)                             \
    F(xen_add_to_physmap_batch, idxs, idxs)                               \
    F(xen_add_to_physmap_batch, gpfns, gpfns)                             \
    F(xen_add_to_physmap_batch, errs, errs)                               \
    S(xen_remove_from_physmap)                                            \
    F(xen_remove_from_physmap, domid, domid)                              \
    F(xen_remove_from_physmap, gpfn, gpfn)                                \
    S(xen_memory_map)                                                     \
    F(xen_memory_map, nr_entries, nr_entries)                             \
    F(xen_memory_map, buffer, buffer)                                     \
    S(xen_memory_reservation)                                             \
    F(xen_memory_reservation, extent_start, extent_start)                 \
    F(xen_memory_reservation, nr_extents, nr_extents)                     \
    F(xen_memory_reservation, extent_order, extent_order)                 \
    F(xen_memory_reservation, mem_flags, mem_flags)                       \
    F(xen_memory_reservation, domid, domid)                               \
    S(xen_hvm_param)                                                      \
    F(xen_hvm_param, domid, domid)                                        \
    F(xen_hvm_param, index, index)                                        \
    F(xen_hvm_param, value, value)                                        \
    S(xen_hvm_pagetable_dying)                                            \
    F(xen_hvm_pagetable_dying, domid, domid)                              \
    F(xen_hvm_pagetable_dying, gpa, gpa)                                  \
    S(xen_hvm_get_time)                                                   \
    F(xen_hvm_get_time, now, now)                                         \
    S(sched_shutdown)                                                     \
    F(sched_shutdown, reason, reason)                                     \
    S(sched_poll)                                                         \
    F(sched_poll, ports, ports)                                           \
    F(sched_poll, nr_ports, nr_ports)                                     \
    F(sched_poll, timeout, timeout)                                       \
    S(vcpu_register_vcpu_info)                                            \
    F(vcpu_register_vcpu_info, mfn, mfn)                                  \
    F(vcpu_register_vcpu_info, offset, offset)                            \
    F(vcpu_register_vcpu_info, rsvd, rsvd)                                \
    S(vcpu_register_runstate_memory_area)                                 \
    F(vcpu_register_runstate_memory_area, addr, addr.p)                   \
    S(vcpu_register_time_memory_area)                                     \
    F(vcpu_register_time_memory_area, addr, addr.p)                       \
    S(vcpu_runstate_info)                                                 \
    F(vcpu_runstate_info, state, state)                                   \
    F(vcpu_runstate_info, state_entry_time, state_entry_time)             \
    F(vcpu_runstate_info, time0, time[0])                                 \
    F(vcpu_runstate_info, time1, time[1])                                 \
    F(vcpu_runstate_info, time2, time[2])                                 \
    F(vcpu_runstate_info, time3, time[3])                                 \
    S(xen_feature_info)                                                   \
    F(xen_feature_info, submap_idx, submap_idx)                           \
    F(xen_feature_info, submap, submap)                                   \
    S(xen_platform_parameters)                                            \
    F(xen_platform_parameters, virt_start, virt_start)                    \
    S(vcpu_info)                                                          \
    F(vcpu_info, evtchn_upcall_pending, evtchn_upcall_pending)            \
    F(vcpu_info, evtchn_upcall_mask, evtchn_upcall_mask)                  \
    F(vcpu_info, evtchn_pending_sel, evtchn_pending_sel)                  \
    F(vcpu_info, time, time)                                              \
    S(shared_info)                                                        \
    F(shared_info, vcpu_info, vcpu_info)                                  \
    F(shared_info, evtchn_pending, evtchn_pending)                        \
    F(shared_info, evtchn_mask, evtchn_mask)                              \
    F(shared_info, wc_version, wc_version)                                \
    F(shared_info, wc_sec, wc_sec)                                        \
    F(shared_info, wc_nsec, wc_nsec)                                      \
    FX(shared_info, wc_sec_hi, arch.wc_sec_hi, wc_sec_hi)                 \
    S(vcpu_hvm_context)                                                   \
    F(vcpu_hvm_context, mode, mode)                                       \
    F(vcpu_hvm_context, cpu_regs, cpu_regs)                               \
    S(vcpu_hvm_x86_32)                                                    \
    S(vcpu_hvm_x86_64)                                                    \
    S(evtchn_alloc_unbound)                                               \
    F(evtchn_alloc_unbound, dom, dom)                                     \
    F(evtchn_alloc_unbound, remote_dom, remote_dom)                       \
    F(evtchn_alloc_unbound, port, port)                                   \
    S(evtchn_bind_interdomain)                                            \
    F(evtchn_bind_interdomain, remote_dom, remote_dom)                    \
    F(evtchn_bind_interdomain, remote_port, remote_port)                  \
    F(evtchn_bind_interdomain, local_port, local_port)                    \
    S(evtchn_bind_virq)                                                   \
    F(evtchn_bind_virq, virq, virq)                                       \
    F(evtchn_bind_virq, vcpu, vcpu)                                       \
    F(evtchn_bind_virq, port, port)                                       \
    S(evtchn_bind_ipi)                                                    \
    F(evtchn_bind_ipi, vcpu, vcpu)                                        \
    F(evtchn_bind_ipi, port, port)                                        \
    S(evtchn_bind_pirq)                                                   \
    F(evtchn_bind_pirq, pirq, pirq)                                       \
    F(evtchn_bind_pirq, flags, flags)                                     \
    F(evtchn_bind_pirq, port, port)                                       \
    S(evtchn_close)                                                       \
    F(evtchn_close, port, port)                                           \
    S(evtchn_send)                                                        \
    F(evtchn_send, port, port)                                            \
    S(evtchn_status)                                                      \
    F(evtchn_status, dom, dom)                                            \
    F(evtchn_status, port, port)                                          \
    F(evtchn_status, status, status)                                      \
    F(evtchn_status, vcpu, vcpu)                                          \
    F(evtchn_status, u, u)                                                \
    S(evtchn_bind_vcpu)                                                   \
    F(evtchn_bind_vcpu, port, port)                                       \
    F(evtchn_bind_vcpu, vcpu, vcpu)                                       \
    S(evtchn_unmask)                                                      \
    F(evtchn_unmask, port, port)                                          \
    S(evtchn_reset)                                                       \
    F(evtchn_reset, dom, dom)                                             \
    S(evtchn_init_control)                                                \
    F(evtchn_init_control, control_gfn, control_gfn)                      \
    F(evtchn_init_control, offset, offset)                                \
    F(evtchn_init_control, vcpu, vcpu)                                    \
    F(evtchn_init_control, link_bits, link_bits)                          \
    S(evtchn_expand_array)                                                \
    F(evtchn_expand_array, array_gfn, array_gfn)                          \
    S(evtchn_set_priority)                                                \
    F(evtchn_set_priority, port, port)                                    \
    F(evtchn_set_priority, priority, priority)                            \
    S(vcpu_set_singleshot_timer)                                          \
    F(vcpu_set_singleshot_timer, timeout_abs_ns, timeout_abs_ns)          \
    F(vcpu_set_singleshot_timer, flags, flags)                            \
    S(vcpu_set_periodic_timer)                                            \
    F(vcpu_set_periodic_timer, period_ns, period_ns)                      \
    S(xen_hvm_evtchn_upcall_vector)                                       \
    F(xen_hvm_evtchn_upcall_vector, vcpu, vcpu)                           \
    F(xen_hvm_evtchn_upcall_vector, vector, vector)                       \
    S(gnttab_setup_table)                                                 \
    F(gnttab_setup_table, dom, dom)                                       \
    F(gnttab_setup_table, nr_frames, nr_frames)                           \
    F(gnttab_setup_table, status, status)                                 \
    F(gnttab_setup_table, frame_list, frame_list)                         \
    S(gnttab_query_size)                                                  \
    F(gnttab_query_size, dom, dom)                                        \
    F(gnttab_query_size, nr_frames, nr_frames)                            \
    F(gnttab_query_size, max_nr_frames, max_nr_frames)                    \
    F(gnttab_query_size, status, status)                                  \
    S(gnttab_copy)                                                        \
    F(gnttab_copy, src_u, source.u)                                       \
    F(gnttab_copy, src_domid, source.domid)                               \
    F(gnttab_copy, src_offset, source.offset)                             \
    F(gnttab_copy, dst_u, dest.u)                                         \
    F(gnttab_copy, dst_domid, dest.domid)                                 \
    F(gnttab_copy, dst_offset, dest.offset)                               \
    F(gnttab_copy, len, len)                                              \
    F(gnttab_copy, flags, flags)                                          \
    F(gnttab_copy, status, status)                                        \
    S(gnttab_map_grant_ref)                                               \
    F(gnttab_map_grant_ref, host_addr, host_addr)                         \
    F(gnttab_map_grant_ref, flags, flags)                                 \
    F(gnttab_map_grant_ref, ref, ref)                                     \
    F(gnttab_map_grant_ref, dom, dom)                                     \
    F(gnttab_map_grant_ref, status, status)                               \
    F(gnttab_map_grant_ref, handle, handle)                               \
    F(gnttab_map_grant_ref, dev_bus_addr, dev_bus_addr)                   \
    S(gnttab_unmap_grant_ref)                                             \
    F(gnttab_unmap_grant_ref, host_addr, host_addr)                       \
    F(gnttab_unmap_grant_ref, dev_bus_addr, dev_bus_addr)                 \
    F(gnttab_unmap_grant_ref, handle, handle)                             \
    F(gnttab_unmap_grant_ref, status, status)                             \
    S(gnttab_swap_grant_ref)                                              \
    F(gnttab_swap_grant_ref, ref_a, ref_a)                                \
    F(gnttab_swap_grant_ref, ref_b, ref_b)                                \
    F(gnttab_swap_grant_ref, status, status)                              \
    S(gnttab_get_version)                                                 \
    F(gnttab_get_version, dom, dom)                                       \
    F(gnttab_get_version, version, version)                               \
    S(physdev_eoi)                                                        \
    F(physdev_eoi, irq, irq)                                              \
    S(physdev_pirq_eoi_gmfn)                                              \
    F(physdev_pirq_eoi_gmfn, gmfn, gmfn)                                  \
    S(physdev_irq_status_query)                                           \
    F(physdev_irq_status_query, irq, irq)                                 \
    F(physdev_irq_status_query, flags, flags)                             \
    S(physdev_map_pirq)                                                   \
    F(physdev_map_pirq, domid, domid)                                     \
    F(physdev_map_pirq, type, type)                                       \
    F(physdev_map_pirq, index, index)                                     \
    F(physdev_map_pirq, pirq, pirq)                                       \
    F(physdev_map_pirq, bus, bus)                                         \
    F(physdev_map_pirq, devfn, devfn)                                     \
    F(physdev_map_pirq, entry_nr, entry_nr)                               \
    F(physdev_map_pirq, table_base, table_base)                           \
    S(physdev_unmap_pirq)                                                 \
    F(physdev_unmap_pirq, domid, domid)                                   \
    F(physdev_unmap_pirq, pirq, pirq)                                     \
    S(physdev_get_free_pirq)                                              \
    F(physdev_get_free_pirq, type, type)                                  \
    F(physdev_get_free_pirq, pirq, pirq)

#define XK_ABI_INCLUDES                                                   \
    <xen/xen.h>

#endif
