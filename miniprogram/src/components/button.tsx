import { Button } from '@tarojs/components';
import type { ButtonProps } from '@tarojs/components';
import type { ReactNode } from 'react';

export type ButtonVariant = 'primary' | 'plain' | 'ghost' | 'danger';

export interface BtnProps {
  children: ReactNode;
  onClick?: () => void;
  variant?: ButtonVariant;
  small?: boolean;
  block?: boolean;
  disabled?: boolean;
  /** WeChat capabilities that need a native button: share, getPhoneNumber. */
  openType?: ButtonProps['openType'];
  onGetPhoneNumber?: ButtonProps['onGetPhoneNumber'];
  testId?: string;
  className?: string;
}

/** The class list for a button: its variant, size and whether it is disabled (never an attribute selector). */
export function buttonClass({ variant = 'primary', small, block, disabled, className }: Pick<BtnProps, 'variant' | 'small' | 'block' | 'disabled' | 'className'>): string {
  return ['btn', variant !== 'primary' ? `btn-${variant}` : '', small ? 'btn-small' : '', block ? 'btn-block' : '', disabled ? 'btn-disabled' : '', className ?? '']
    .filter(Boolean)
    .join(' ');
}

/** One button look for both targets: enabled and disabled differ in colour, and a disabled one does nothing. */
export function Btn({ children, onClick, variant, small, block, disabled = false, openType, onGetPhoneNumber, testId, className }: BtnProps) {
  return (
    <Button
      className={buttonClass({ variant, small, block, disabled, className })}
      hoverClass={disabled ? 'none' : 'btn-hover'}
      disabled={disabled}
      openType={disabled ? undefined : openType}
      onGetPhoneNumber={onGetPhoneNumber}
      data-testid={testId}
      data-disabled={disabled ? 'true' : 'false'}
      onClick={() => {
        if (!disabled) onClick?.();
      }}
    >
      {children}
    </Button>
  );
}
